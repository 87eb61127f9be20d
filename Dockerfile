# hotline, production-like image (used by docker-compose.yml).
# Build: docker build -t hotline .        Run: see docker-compose.yml
#
# Stage 1 builds with Debian 12's toolchain and -dev packages; stage 2 carries
# only the binary, its configuration and the runtime libraries.

FROM debian:12-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      librdkafka-dev libjansson-dev libhiredis-dev libyajl-dev libvectorscan-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# A checkout may hold a host build tree, local services' data and Kafka jars:
# none belongs in the image build (a stale CMakeCache.txt would even break it).
RUN rm -rf build build-* .services kafka/jars kafka/target \
 && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DHL_BUILD_TESTS=OFF \
 && cmake --build build -j"$(nproc)" \
 && test -x build/hotline

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      librdkafka1 libjansson4 libhiredis0.14 libyajl2 libvectorscan5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin hotline
COPY --from=build /src/build/hotline /usr/local/bin/hotline
COPY config/hotline.conf /etc/hotline/hotline.conf
# The keyword table and other data files the configuration names by relative
# path (classify.keywords = config/keywords.tsv) resolve against the working dir.
COPY config/ /usr/share/hotline/config/
WORKDIR /usr/share/hotline
USER hotline
CMD ["hotline", "ingest", "-c", "/etc/hotline/hotline.conf"]
