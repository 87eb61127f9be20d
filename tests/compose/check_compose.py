#!/usr/bin/env python3
"""Static check of docker-compose.yml (no Docker engine needed).

Asserts that the stack has exactly the services kafka, redis and hotline; that
kafka runs an apache/kafka image in KRaft mode as one combined broker and
controller; that redis runs a redis image; and that hotline is built from the
top-level Dockerfile and runs `hotline ingest` against kafka:9092 and redis.

Usage: python3 tests/compose/check_compose.py [path/to/docker-compose.yml]
Prints "compose: ok" and exits 0, or prints every failure and exits 1.
Needs PyYAML (Debian package python3-yaml).
"""
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_yaml(path):
    try:
        import yaml
    except ImportError:
        sys.exit("compose: FAIL: PyYAML is not importable by %s "
                 "(install Debian's python3-yaml, e.g. via scripts/deps)" % sys.executable)
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def env_map(service):
    """The service's environment as a dict, from the mapping or the list form."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        out = {}
        for item in env:
            key, _, value = str(item).partition("=")
            out[key] = value
        return out
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def words(value):
    """A command (string or list) as a list of words."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value]


def check(compose, compose_dir):
    errors = []

    def expect(cond, msg):
        if not cond:
            errors.append(msg)

    if not isinstance(compose, dict) or not isinstance(compose.get("services"), dict):
        return ["no 'services' mapping at the top level"]
    services = compose["services"]
    names = sorted(services)
    expect(names == ["hotline", "kafka", "redis"],
           "services must be exactly hotline, kafka, redis; found %s" % ", ".join(names))

    # kafka: apache/kafka image, KRaft with one combined broker+controller
    kafka = services.get("kafka") or {}
    image = str(kafka.get("image", ""))
    expect(image.split(":")[0] in ("apache/kafka", "docker.io/apache/kafka"),
           "kafka must use an apache/kafka image; image is %r" % image)
    tag = image.partition(":")[2]
    version = tuple(int(x) for x in tag.split(".")[:2] if x.isdigit())
    expect(tag in ("", "latest") or version >= (3, 9),
           "kafka image must be Kafka 3.9 or newer (KRaft, as scripts/services runs); tag is %r" % tag)
    env = env_map(kafka)
    roles = [r.strip() for r in env.get("KAFKA_PROCESS_ROLES", "").split(",") if r.strip()]
    expect(sorted(roles) == ["broker", "controller"],
           "kafka must set KAFKA_PROCESS_ROLES=broker,controller; has %r"
           % env.get("KAFKA_PROCESS_ROLES"))
    expect("KAFKA_NODE_ID" in env, "kafka must set KAFKA_NODE_ID")
    expect("KAFKA_CONTROLLER_QUORUM_VOTERS" in env
           or "KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS" in env,
           "kafka must name its controller quorum (KAFKA_CONTROLLER_QUORUM_VOTERS)")
    expect("CONTROLLER" in env.get("KAFKA_CONTROLLER_LISTENER_NAMES", ""),
           "kafka must set KAFKA_CONTROLLER_LISTENER_NAMES")
    expect("CONTROLLER:" in env.get("KAFKA_LISTENERS", ""),
           "kafka's KAFKA_LISTENERS must include a CONTROLLER listener")
    expect("kafka:9092" in env.get("KAFKA_ADVERTISED_LISTENERS", ""),
           "kafka must advertise kafka:9092 to the other containers")
    zk = [k for k in env if "ZOOKEEPER" in k.upper()]
    expect(not zk, "kafka must not be configured for ZooKeeper: %s" % ", ".join(zk))

    # redis: a redis image
    redis = services.get("redis") or {}
    rimage = str(redis.get("image", ""))
    expect(rimage.split(":")[0].split("/")[-1] == "redis",
           "redis must use a redis image; image is %r" % rimage)

    # hotline: built from the top-level Dockerfile
    hotline = services.get("hotline") or {}
    build = hotline.get("build")
    if isinstance(build, str):
        context, dockerfile = build, "Dockerfile"
    elif isinstance(build, dict):
        context, dockerfile = str(build.get("context", ".")), str(build.get("dockerfile", "Dockerfile"))
    else:
        context = dockerfile = None
        errors.append("hotline must have a build section (built from the Dockerfile)")
    if context is not None:
        path = os.path.normpath(os.path.join(compose_dir, context, dockerfile))
        expect(path == os.path.join(REPO, "Dockerfile"),
               "hotline must build from the top-level Dockerfile; builds from %s" % path)
        expect(os.path.isfile(path), "hotline's Dockerfile %s does not exist" % path)
    cmd = words(hotline.get("command"))
    expect(cmd[:2] == ["hotline", "ingest"],
           "hotline's command must run `hotline ingest`; is %r" % " ".join(cmd))
    expect("kafka.bootstrap.servers=kafka:9092" in cmd,
           "hotline's command must pass -X kafka.bootstrap.servers=kafka:9092")
    expect("redis.host=redis" in cmd, "hotline's command must pass -X redis.host=redis")
    deps = hotline.get("depends_on") or []
    expect(set(deps) >= {"kafka", "redis"}, "hotline must depend on kafka and redis")
    return errors


def main():
    path = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "docker-compose.yml"))
    if not os.path.isfile(path):
        sys.exit("compose: FAIL: %s does not exist" % path)
    errors = check(load_yaml(path), os.path.dirname(path))
    if errors:
        for e in errors:
            print("compose: FAIL: %s" % e, file=sys.stderr)
        return 1
    print("compose: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
