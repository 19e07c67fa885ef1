#!/usr/bin/env python3
"""A simple closed-loop webhook load against a local omnigate-ingest.

Posts unique, correctly signed WhatsApp text webhooks over keep-alive
connections to 127.0.0.1 only, bounded by --count, and prints the accepted
rate and latency percentiles. Bodies are signed before the clock starts so
the client spends its CPU on HTTP, not HMAC. The client is Python: on a
2-core machine it is usually the bottleneck, so the rate is a lower bound for
the gateway (omnigate-loadgen in issue 6 replaces it).

  tools/simple-load.py --port 8080 --connector wa-main --secret dev-meta-app-secret
"""
import argparse
import hashlib
import hmac
import http.client
import json
import threading
import time
import uuid


def body_for(i, run):
    return json.dumps({
        "object": "whatsapp_business_account",
        "entry": [{"id": "200000000000001", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "12025550100", "phone_number_id": "100000000000001"},
            "contacts": [{"profile": {"name": "Load"}, "wa_id": str(12025550000 + i % 500)}],
            "messages": [{"from": str(12025550000 + i % 500), "id": f"wamid.load.{run}.{i}",
                          "timestamp": str(int(time.time())), "type": "text",
                          "text": {"body": f"load test message {i}"}}]}}]}]},
        separators=(",", ":")).encode()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--connector", default="wa-main")
    p.add_argument("--secret", default="dev-meta-app-secret")
    p.add_argument("--count", type=int, default=20000)
    p.add_argument("--connections", type=int, default=8)
    args = p.parse_args()

    run = uuid.uuid4().hex[:8]
    requests = []
    for i in range(args.count):
        b = body_for(i, run)
        sig = "sha256=" + hmac.new(args.secret.encode(), b, hashlib.sha256).hexdigest()
        requests.append((b, sig))

    latencies, errors, lock = [], [0], threading.Lock()
    next_index = [0]

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
        local = []
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(requests):
                break
            b, sig = requests[i]
            t0 = time.perf_counter()
            conn.request("POST", "/webhooks/" + args.connector, body=b,
                         headers={"Content-Type": "application/json", "X-Hub-Signature-256": sig})
            r = conn.getresponse()
            r.read()
            local.append(time.perf_counter() - t0)
            if r.status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(local)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(json.dumps({"requests": len(latencies), "errors": errors[0], "seconds": round(elapsed, 3),
                      "rate_per_s": round(len(latencies) / elapsed, 1),
                      "p50_ms": round(pct(0.50), 3), "p99_ms": round(pct(0.99), 3),
                      "max_ms": round(latencies[-1] * 1000, 3)}))


if __name__ == "__main__":
    main()
