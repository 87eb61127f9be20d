"""Shared helpers for the integration tests: the real services started by
scripts/services (addresses from the environment ctest sets), the hotline
binary, a minimal Redis client (RESP over a socket) and kcat for reading
topics. A missing service fails the test loudly; nothing skips."""
import json
import os
import random
import socket
import subprocess
import sys
import time

SOURCE_DIR = os.environ.get("HL_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD_DIR = os.environ.get("HL_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
HOTLINE = os.path.join(BUILD_DIR, "hotline")
SHARED = os.path.join(os.path.dirname(SOURCE_DIR), "shared")


def _load_service_credentials():
    """The services require authentication: takes the credentials
    `scripts/services env` prints (for the services dir ctest names) into
    this process's environment, so that every hotline run inherits them."""
    p = subprocess.run([os.path.join(SOURCE_DIR, "scripts", "services"), "env"], capture_output=True)
    if p.returncode != 0:
        print("FAIL: scripts/services env: %s" % p.stderr.decode(errors="replace").strip(), file=sys.stderr)
        sys.exit(1)
    for line in p.stdout.decode().splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        if name:
            os.environ[name] = value


_load_service_credentials()
BROKERS = os.environ.get("HOTLINE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
REDIS_HOST = os.environ.get("HOTLINE_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("HOTLINE_REDIS_PORT", "16379"))


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def unique(name):
    """A topic or group name no other run uses."""
    return "%s.%d.%d" % (name, os.getpid(), random.randrange(1 << 30))


class Redis:
    """Just enough RESP2 for the tests: commands with bulk-string arguments."""

    def __init__(self, host=REDIS_HOST, port=REDIS_PORT, auth=None):
        """@auth: (user, password) to AUTH with; by default the administrator
        (the default user, password REDISCLI_AUTH), who may read every key."""
        try:
            self.sock = socket.create_connection((host, port), timeout=30)
        except OSError as e:
            fail("redis at %s:%d is not reachable (%s): did scripts/services start fail?" % (host, port, e))
        self.buf = b""
        if auth is None:
            auth = ("default", os.environ.get("REDISCLI_AUTH", ""))
        if auth[1]:
            self.cmd("AUTH", *auth)

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise RuntimeError("bad reply %r" % line)

    def pipeline(self, cmds):
        out = bytearray()
        for cmd in cmds:
            out += b"*%d\r\n" % len(cmd)
            for a in cmd:
                a = a if isinstance(a, bytes) else str(a).encode()
                out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return [self._reply() for _ in cmds]

    def cmd(self, *args):
        return self.pipeline([args])[0]

    def scan(self, pattern):
        keys, cursor = [], b"0"
        while True:
            cursor, batch = self.cmd("SCAN", cursor, "MATCH", pattern, "COUNT", 10000)
            keys += batch
            if cursor == b"0":
                return keys

    def hgetall_many(self, keys, raw=False):
        """{key: {field: value}}, values as integers (@raw: as bytes)."""
        out = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            for k, flat in zip(chunk, self.pipeline([("HGETALL", k) for k in chunk])):
                out[k] = {flat[j]: flat[j + 1] if raw else int(flat[j + 1]) for j in range(0, len(flat), 2)}
        return out


def hotline(*args, check_rc=True, timeout=600, input=None, env=None):
    """Runs build/hotline; returns (rc, stdout, stderr)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([HOTLINE] + list(args), cwd=SOURCE_DIR, capture_output=True, timeout=timeout,
                       input=input, env=e)
    if check_rc and p.returncode != 0:
        fail("hotline %s exited %d:\n%s" % (" ".join(args[:3]), p.returncode, p.stderr.decode(errors="replace")[-3000:]))
    return p.returncode, p.stdout, p.stderr


def publish(topic, lines):
    data = b"".join(l if l.endswith(b"\n") else l + b"\n" for l in lines)
    hotline("publish", "--topic", topic, input=data)


def kcat_cmd(*args):
    """kcat's argv against the test broker (address and credentials), then @args."""
    auth = []
    for prop, var in (("security.protocol", "HOTLINE_KAFKA_SECURITY_PROTOCOL"),
                      ("sasl.mechanisms", "HOTLINE_KAFKA_SASL_MECHANISM"),
                      ("sasl.username", "HOTLINE_KAFKA_SASL_USERNAME"),
                      ("sasl.password", "HOTLINE_KAFKA_SASL_PASSWORD")):
        if os.environ.get(var):
            auth += ["-X", "%s=%s" % (prop, os.environ[var])]
    return ["kcat", "-b", BROKERS] + auth + list(args)


def kcat_consume(topic, expected, timeout=60):
    """Reads every message of @topic (from the start to its end) with kcat, a
    client independent of ours: [(key, headers dict, payload bytes)]."""
    # %k key, %h headers, %S payload size, %s payload: framed by sizes to be exact
    p = subprocess.run(kcat_cmd("-C", "-t", topic, "-o", "beginning", "-e", "-q",
                        "-f", "%K\t%k\t%h\t%S\t%s\n"), capture_output=True, timeout=timeout)
    if p.returncode != 0:
        fail("kcat on %s: %s" % (topic, p.stderr.decode(errors="replace")))
    out, data = [], p.stdout
    while data:
        klen, rest = data.split(b"\t", 1)
        klen = int(klen)
        key = rest[:klen] if klen >= 0 else None
        rest = rest[max(klen, 0) + 1:]
        hdrs, rest = rest.split(b"\t", 1)
        size, rest = rest.split(b"\t", 1)
        size = int(size)
        payload, data = rest[:size], rest[size + 1:]
        headers = {}
        # "k=v,k=v": values may hold commas, names are ours and start "hotline."
        for h in hdrs.decode().replace(",hotline.", "\0hotline.").split("\0") if hdrs else []:
            if "=" in h:
                k, v = h.split("=", 1)
                headers[k] = v
        out.append((key, headers, payload))
    check(len(out) == expected, "topic %s holds %d messages, expected %d" % (topic, len(out), expected))
    return out


def kcat_produce(topic, messages, timeout=60, partition=None):
    """Publishes [(key bytes, payload bytes)] to @topic with kcat, one
    producer in order (so one key's messages keep their order in its
    partition; with @partition, all go there, in this order). Keys and
    payloads must hold neither a tab nor a newline."""
    data = b""
    for key, payload in messages:
        check(b"\t" not in key and b"\n" not in key + payload, "kcat_produce: tab or newline in %r" % key)
        data += key + b"\t" + payload + b"\n"
    where = ["-p", str(partition)] if partition is not None else []
    p = subprocess.run(kcat_cmd("-P", "-t", topic, "-K", "\t", *where), input=data, capture_output=True,
                       timeout=timeout)
    if p.returncode != 0:
        fail("kcat producing to %s: %s" % (topic, p.stderr.decode(errors="replace")))
