#!/usr/bin/env python3
"""Dispatcher CPU per delivered event at a few steady rates (BENCHMARKS.md, "Dispatcher CPU per event").

Each scenario starts a fresh redis-server, omnigate-ingest, omnigate-dispatcher (16 partitions, two sinks:
the bot sink gets every event, the agent sink reads and acknowledges them as routed elsewhere) and a fast
sink (omnigate-loadgen --mode sink, optionally answering each call after a delay, as a sink doing real
work would), then sends signed WhatsApp webhooks at a fixed open-loop rate. The
dispatcher's utime+stime (/proc/<pid>/stat) is read from the first webhook until the sink has received every
event; the figure is that CPU time divided by the events delivered. Pinning as in make bench.

  tools/dispatcher_cpu.py [--scenarios 10:100,100:1000,100:1000:20,5000:25000] [--json FILE] [--dispatcher BIN]
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (same directory: Stack, CpuMeter, Pinning, free ports)


def run_scenario(b, rate, count, delay_ms):
    tag = f"{rate}-{count}-{delay_ms}"
    sink_port = bench.free_port()
    b.cfg = b.config(sink_port)
    r = b.redis(f"redis-{tag}", persistence=False)
    http, _ = b.ingest(f"ingest-{tag}", r)
    sink_out = os.path.join(b.work, f"sink-{tag}.json")
    sink = subprocess.Popen(b.pin.client([os.path.join(bench.BIN, "omnigate-loadgen"), "--mode", "sink",
                                          f"--grpc_addr=127.0.0.1:{sink_port}", "--count", str(count),
                                          "--e2e_wait", str(count / rate + 5), "--json", sink_out,
                                          "--sink_delay_ms", str(delay_ms)]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not bench.port_open(sink_port):
        time.sleep(0.02)
    b.dispatcher(f"dispatcher-{tag}", r)
    time.sleep(1.0)  # leases taken, workers idle: the run measures steady work, not start-up
    dpid = b.pid(f"dispatcher-{tag}")
    meter = bench.CpuMeter({"dispatcher": dpid})
    t0 = time.time()
    client_out = os.path.join(b.work, f"client-{tag}.json")
    client = subprocess.run(b.pin.client([os.path.join(bench.BIN, "omnigate-loadgen"), "--mode", "webhook",
                                          f"--target=127.0.0.1:{http}", "--channel", "whatsapp", "--connector",
                                          "wa-main", "--secret", bench.META_SECRET, "--rate", str(rate),
                                          "--count", str(count), "--concurrency", "256",
                                          "--duration", str(count / rate + 30), "--progress", "0",
                                          "--json", client_out]),
                            capture_output=True, text=True)
    if client.returncode != 0:
        raise RuntimeError("loadgen failed:\n" + client.stdout[-2000:] + client.stderr[-2000:])
    sink.wait(count / rate + 90)
    cpu, peak = meter.finish()
    wall = time.time() - t0
    with open(sink_out) as f:
        delivered = json.load(f).get("events", 0)
    with open(client_out) as f:
        sent = json.load(f)
    for name in (f"dispatcher-{tag}", f"ingest-{tag}", f"redis-{tag}"):
        b.stack.stop(name)
    secs = cpu.get("dispatcher", 0.0)
    return {"rate": rate, "sink_delay_ms": delay_ms, "requested": count, "accepted": sent.get("ok", 0), "errors": sent.get("errors", 0),
            "delivered": delivered, "wall_s": round(wall, 2),
            "dispatcher_cpu_s": round(secs, 3),
            "dispatcher_cpu_us_per_event": round(secs * 1e6 / delivered, 1) if delivered else None,
            "dispatcher_peak_rss_mib": round(peak.get("dispatcher", 0), 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenarios", default="10:100,100:1000,100:1000:20,5000:25000",
                    help="rate:count[:sink delay ms] (events per second : events : ms per Deliver call)")
    ap.add_argument("--json", default="")
    ap.add_argument("--dispatcher", default=os.path.join(bench.BIN, "omnigate-dispatcher"),
                    help="dispatcher binary to measure (e.g. one built from an earlier commit)")
    ap.add_argument("--bin", default=bench.BIN, help="where omnigate-ingest and omnigate-loadgen are")
    args = ap.parse_args()
    bench.BIN = args.bin
    b = bench.Bench(argparse.Namespace(seconds=8, concurrency=32, skip_normalize=True))

    def dispatcher(name, redis_port):
        grpc, metrics = bench.free_port(), bench.free_port()
        b.stack.start(name, [args.dispatcher, "--config", b.cfg, "--redis", f"redis://127.0.0.1:{redis_port}",
                             f"--grpc_addr=127.0.0.1:{grpc}", f"--metrics_addr=127.0.0.1:{metrics}",
                             "--instance_id", name, "--log_level=warning"],
                      ready=lambda: bench.port_open(grpc))
    b.dispatcher = dispatcher
    results = []
    try:
        for pair in args.scenarios.split(","):
            rate, count, delay = ([int(x) for x in pair.split(":")] + [0])[:3]
            res = run_scenario(b, rate, count, delay)
            bench.log(f"{rate}/s x {count}, sink {delay} ms: {res}")
            results.append(res)
    finally:
        b.stack.stop_all()
    print(json.dumps(results, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
