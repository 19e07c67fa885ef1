#!/usr/bin/env python3
"""Cost of replicated acknowledgement (redis_wait_replicas) on ingest's store path.

Starts a local redis-server master and one replica (--replicaof), then omnigate-ingest against the
master with redis_wait_replicas 0 and 1 in alternation, and drives it with omnigate-loadgen:
signed WhatsApp webhooks (HTTP) and Ingest.PublishStream (gRPC), closed loop. Everything binds to
127.0.0.1 on free ports and is stopped at exit. Bounded: rounds x modes x waits x --seconds.

  tools/replica_wait_bench.py [--seconds 5] [--rounds 2] [--concurrency 32] [--json out.json]

Prints one line per run and a median table; figures are for this machine only (compare the
wait 0 / wait 1 pair of the same run, not absolute numbers across machines).
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")
SECRET = "replica-wait-bench-secret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(args), capture_output=True,
                          text=True, timeout=10).stdout.strip()


def wait_until(check, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def start_redis(work, name, port, extra):
    d = os.path.join(work, name)
    os.makedirs(d)
    p = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                          "--save", "", "--appendonly", "no", "--logfile", os.path.join(d, "log")]
                         + extra)
    wait_until(lambda: cli(port, "PING") == "PONG", 10, f"redis {name}")
    return p


def in_sync(master):
    # SET and WAIT on one connection: WAIT only counts what this connection wrote.
    out = subprocess.run(["redis-cli", "-p", str(master)], input="SET omnigate:bench:sync 1\nWAIT 1 200\n",
                         capture_output=True, text=True, timeout=10).stdout.split()
    return out[-1:] == ["1"]


def start_ingest(work, master, wait):
    cfg = os.path.join(work, f"ingest-wait{wait}.yaml")
    with open(cfg, "w") as f:
        f.write(f"redis_wait_replicas: {wait}\nredis_wait_timeout_ms: 1000\n"
                "connectors:\n  - name: wa-main\n    channel: whatsapp\n    secret: " + SECRET + "\n"
                "ingest:\n  max_backlog: 0\n")
    http, grpc, metrics = free_port(), free_port(), free_port()
    log = open(os.path.join(work, f"ingest-wait{wait}.log"), "a")
    p = subprocess.Popen([os.path.join(BIN, "omnigate-ingest"), "--config", cfg, "--redis",
                          f"redis://127.0.0.1:{master}", f"--http_addr=127.0.0.1:{http}",
                          f"--grpc_addr=127.0.0.1:{grpc}", f"--metrics_addr=127.0.0.1:{metrics}"],
                         stdout=log, stderr=log)

    def ready():
        try:
            with socket.create_connection(("127.0.0.1", http), timeout=1) as s:
                s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return s.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False
    wait_until(ready, 15, "ingest ready")

    def metrics_up():
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", metrics)) == 0
    wait_until(metrics_up, 15, "ingest metrics")
    return p, http, grpc, metrics


def wait_metrics(port):
    """(WAITs done, WAITs unconfirmed, seconds spent in WAIT) from ingest's /metrics."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        body = b""
        while chunk := s.recv(65536):
            body += chunk
    done = unconfirmed = 0
    waited = 0.0
    for line in body.decode().splitlines():
        if line.startswith("omnigate_redis_wait_seconds_count"):
            done = int(float(line.split()[-1]))
        if line.startswith("omnigate_redis_wait_seconds_sum"):
            waited = float(line.split()[-1])
        if line.startswith("omnigate_redis_wait_unconfirmed_total"):
            unconfirmed = int(float(line.split()[-1]))
    return done, unconfirmed, waited


def loadgen(work, argv, name):
    out = os.path.join(work, name + ".json")
    subprocess.run([os.path.join(BIN, "omnigate-loadgen"), "--json", out] + argv, check=True,
                   capture_output=True, text=True, timeout=120)
    with open(out) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--json")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="omnigate-replica-wait-")
    procs = []
    try:
        master, replica = free_port(), free_port()
        procs.append(start_redis(work, "master", master, ["--repl-diskless-sync-delay", "0"]))
        procs.append(start_redis(work, "replica", replica, ["--replicaof", "127.0.0.1", str(master)]))
        wait_until(lambda: in_sync(master), 20, "replica in sync")
        runs = []
        for rnd in range(args.rounds):
            for wait in (0, 1):
                cli(master, "FLUSHALL")
                wait_until(lambda: in_sync(master), 20, "replica in sync")
                ingest, http, grpc, metrics = start_ingest(work, master, wait)
                try:
                    duration = ["--duration", str(args.seconds)]
                    webhook = ["--mode", "webhook", f"--target=127.0.0.1:{http}", "--channel",
                               "whatsapp", "--connector", "wa-main", "--secret", SECRET]
                    modes = {
                        f"webhook c{args.concurrency}": webhook + ["--concurrency", str(args.concurrency)],
                        "webhook c1": webhook + ["--concurrency", "1"],
                        f"stream c{args.concurrency}": ["--mode", "grpc-stream",
                                                        f"--target=127.0.0.1:{grpc}", "--streams", "1",
                                                        "--concurrency", str(args.concurrency)],
                    }
                    for mode, argv in modes.items():
                        before = wait_metrics(metrics)
                        s = loadgen(work, argv + duration, f"{mode.replace(' ', '-')}-wait{wait}-r{rnd}")
                        after = wait_metrics(metrics)
                        run = {"mode": mode, "wait": wait, "round": rnd, "summary": s,
                               "waits": after[0] - before[0], "unconfirmed": after[1] - before[1],
                               "wait_ms_mean": 1000 * (after[2] - before[2]) / max(1, after[0] - before[0])}
                        runs.append(run)
                        lat = s["latency"]
                        print(f"round {rnd} wait {wait} {mode:12s}: {s['events_per_s']:9.0f} ev/s  "
                              f"p50 {lat['p50_ms']:.2f} ms  p99 {lat['p99_ms']:.2f} ms  "
                              f"errors {s['errors']}  WAITs {run['waits']} (unconfirmed "
                              f"{run['unconfirmed']}, mean {run['wait_ms_mean']:.3f} ms)", flush=True)
                finally:
                    ingest.terminate()
                    ingest.wait(15)
        print("\nmedian over rounds:")
        print("| path | wait | events/s | p50 ms | p99 ms | WAITs per event | mean WAIT ms |")
        print("|---|---|---|---|---|---|---|")
        for mode in dict.fromkeys(r["mode"] for r in runs):
            for wait in (0, 1):
                rs = [r for r in runs if r["mode"] == mode and r["wait"] == wait]
                med = lambda f: statistics.median(f(r) for r in rs)
                per_event = med(lambda r: r["waits"] / max(1, r["summary"]["ok"]))
                print(f"| {mode} | {wait} | {med(lambda r: r['summary']['events_per_s']):.0f} | "
                      f"{med(lambda r: r['summary']['latency']['p50_ms']):.2f} | "
                      f"{med(lambda r: r['summary']['latency']['p99_ms']):.2f} | {per_event:.3f} | "
                      f"{med(lambda r: r['wait_ms_mean']):.3f} |")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(runs, f, indent=1)
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)


if __name__ == "__main__":
    sys.exit(main())
