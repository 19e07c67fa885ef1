#!/usr/bin/env python3
"""CTest smoke test (label `bench`): omnigate-loadgen in every mode against the real binaries.

Starts redis-server, omnigate-ingest and omnigate-dispatcher on free loopback ports, runs each loadgen
mode for a handful of requests and checks the JSON summary: fields present, no errors, everything
delivered. A few seconds; keeps `make bench` from rotting between benchmark runs.

  loadgen_smoke.py BUILD_BIN_DIR
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
WORK = tempfile.mkdtemp(prefix="loadgen-smoke-")
SECRET = "smoke-meta-secret"
procs = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, name):
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"{name} did not start: " + open(os.path.join(WORK, name + ".log")).read()[-2000:])


def start(name, argv, port):
    p = subprocess.Popen(argv, stdout=open(os.path.join(WORK, name + ".log"), "w"), stderr=subprocess.STDOUT)
    procs.append(p)
    wait_port(port, p, name)
    return p


def loadgen(name, *args):
    out = os.path.join(WORK, name + ".json")
    r = subprocess.run([os.path.join(BIN, "omnigate-loadgen"), "--json", out, "--progress=0"] + list(args),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise SystemExit(f"loadgen {name} exited {r.returncode}: {r.stdout}{r.stderr}")
    s = json.load(open(out))
    for key in ("mode", "sent", "ok", "errors", "rate", "latency"):
        assert key in s, f"{name}: no {key} in {s}"
    for key in ("p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms"):
        assert key in s["latency"], f"{name}: no latency.{key}"
    # An open loop counts the arrivals it could not start (all of its
    # connections busy) as dropped: that is the machine's load, not an error.
    assert s["errors"] == 0 and s["ok"] + s.get("dropped", 0) == s["sent"] > 0, f"{name}: {s}"
    if s["loop"] != "open":
        assert s["ok"] == s["sent"], f"{name}: {s}"
    else:
        assert s["ok"] >= s["sent"] // 2, f"{name}: most arrivals must be served: {s}"
    assert 0 < s["latency"]["p50_ms"] <= s["latency"]["p99_ms"] <= s["latency"]["max_ms"], f"{name}: {s}"
    print(f"ok {name}: {s['ok']} requests, p99 {s['latency']['p99_ms']} ms")
    return s


def main():
    redis_port, http, grpc, sink, noop = (free_port() for _ in range(5))
    start("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--dir", WORK], redis_port)
    cfg = os.path.join(WORK, "omnigate.yaml")
    with open(cfg, "w") as f:
        f.write(f"connectors:\n  - name: wa-main\n    channel: whatsapp\n    secret: {SECRET}\n"
                f"sinks:\n  - name: chatbot\n    address: 127.0.0.1:{sink}\n  - name: agent-router\n"
                f"    address: 127.0.0.1:{sink}\nrouting:\n  bot: chatbot\n  agent: agent-router\n"
                f"ingest:\n  partitions: 4\n")
    redis_url = f"redis://127.0.0.1:{redis_port}"
    start("ingest", [os.path.join(BIN, "omnigate-ingest"), "--config", cfg, "--redis", redis_url,
                     f"--http_addr=127.0.0.1:{http}", f"--grpc_addr=127.0.0.1:{grpc}",
                     "--metrics_addr=127.0.0.1:0"], grpc)
    start("noop", [os.path.join(BIN, "omnigate-loadgen"), "--mode", "noop-server",
                   f"--grpc_addr=127.0.0.1:{noop}"], noop)

    # Refuses anything but loopback.
    r = subprocess.run([os.path.join(BIN, "omnigate-loadgen"), "--mode", "grpc-unary",
                        "--target=192.0.2.1:7000", "--count", "1"], capture_output=True, text=True)
    assert r.returncode != 0 and "loopback" in r.stderr, r.stderr

    loadgen("webhook", "--mode", "webhook", f"--target=127.0.0.1:{http}", "--connector", "wa-main",
            "--channel", "whatsapp", "--secret", SECRET, "--count", "200", "--concurrency", "4")
    loadgen("unary", "--mode", "grpc-unary", f"--target=127.0.0.1:{grpc}", "--count", "200")
    spread = loadgen("unary3", "--mode", "grpc-unary", f"--target=127.0.0.1:{grpc}", "--count", "200",
                     "--connections", "3", "--concurrency", "6")
    assert spread["connections"] == 3, spread
    loadgen("stream", "--mode", "grpc-stream", f"--target=127.0.0.1:{grpc}", "--count", "200",
            "--streams", "2", "--concurrency", "8")
    loadgen("open", "--mode", "grpc-unary", f"--target=127.0.0.1:{grpc}", "--rate", "500",
            "--duration", "0.5")
    loadgen("noop", "--mode", "grpc-unary", f"--target=127.0.0.1:{noop}", "--count", "200")
    # Only the e2e events from here on: earlier runs' events would queue ahead of them.
    subprocess.run(["redis-cli", "-p", str(redis_port), "FLUSHALL"], check=True, capture_output=True)
    d_grpc = free_port()
    start("dispatcher", [os.path.join(BIN, "omnigate-dispatcher"), "--config", cfg, "--redis", redis_url,
                         f"--grpc_addr=127.0.0.1:{d_grpc}", "--metrics_addr=127.0.0.1:0",
                         "--instance_id", "smoke"], d_grpc)
    e2e = loadgen("e2e", "--mode", "e2e", f"--target=127.0.0.1:{grpc}", f"--sink_addr=127.0.0.1:{sink}",
                  "--count", "100", "--concurrency", "4", "--e2e_wait", "20")
    assert e2e["delivered"] >= 100, e2e
    assert e2e["e2e_latency"]["count"] >= 100 and e2e["e2e_latency"]["p99_ms"] > 0, e2e
    print("loadgen smoke: all modes ok")


try:
    main()
finally:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
