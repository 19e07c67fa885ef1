#!/usr/bin/env python3
"""omnigate-sender against the fake provider, beside CurlHttpClient alone (BENCHMARKS.md, "Sender against the
fake provider"): sends per second and CPU µs per send.

Every scenario gets a fresh omnigate-fakeprovider on CPU 0 (alone there in both; it prints one line per
request, to a file polled every 10 ms: the arrivals). The system under test runs on CPU 1:

  direct     build/bin/sender_bench --mode direct: the N replies' Telegram requests, built beforehand by the
             sender's own TelegramSender, sent with CurlHttpClient keeping 256 in flight (the sender's
             default); CPU = the process's getrusage over the sends.
  sender_cC  omnigate-sender and its redis-server (the same core, as ingest and Redis in make bench) with
             limits off: rate_per_s at the config's maximum (100 000/s), recipient_rate_per_s 0,
             max_in_flight_per_connector = max_in_flight = 256. Once it is idle with every lease held, N
             replies spread over C chats are XADDed to omnigate:outbound:{p} (16 partitions, the chatbot's
             format) with redis-cli --pipe; CPU = the sender's utime+stime (/proc/<pid>/stat) from just
             before the preload until every reply is acknowledged (Redis's apart). Default scenarios:
             20 000 replies over 200 chats (fewer chats than sends in flight) and 5 000 over 1 000 chats
             (more: then the partition workers also wait for a free send). The reservation script still
             runs for every send (batched per connector), as a limit of 0 is refused.

Rate = (N - 1) ÷ (time of the fake's N-th line - time of its first). Ratio of a round = sender ÷ direct;
cpu_ratio = direct CPU per send ÷ (sender + redis CPU per send), what the ratio would be with both
CPU-bound on one core (steadier when the machine is shared); medians over the rounds. Context switches: getrusage (direct), /proc/<pid>/task/*/status (sender).
core_busy = CPU seconds per second of the system under test while sending (sender: sender + redis from
the first arrival to the last). Writes bench/results/sender.json.

--detail also prints, per sender scenario, Redis's commands per send and their CPU (INFO commandstats,
reset before the preload) and the sender's CPU per thread name; --perf FILE records `perf record -g` of the
sender over the sends (FILE.<scenario>).

  tools/sender_bench.py [--count 20000] [--scenarios 200:20000,1000:5000] [--rounds 3] [--json FILE]
                        [--detail] [--perf FILE]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (same directory: free ports, /proc CPU, pinning)

PARTITIONS = 16
IN_FLIGHT = 256


class Procs:
    """Processes of one scenario, pinned by the caller; all stopped at the end."""

    def __init__(self, work):
        self.work, self.procs, self.files = work, [], []

    def start(self, name, argv, stdout=None):
        log = open(os.path.join(self.work, name + ".log"), "w")
        out = open(stdout, "w") if stdout else log
        self.files += [log, out]
        p = subprocess.Popen(argv, stdout=out, stderr=log)
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for f in self.files:
            f.close()
        self.procs, self.files = [], []


class Arrivals:
    """Lines of the fake provider's output file: the banner, then one per request."""

    def __init__(self, path):
        self.path, self.offset, self.lines = path, 0, 0

    def poll(self):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        self.lines += data.count(b"\n")
        return max(0, self.lines - 1)

    def wait(self, n, timeout, tick=0.01, on_first=lambda: None):
        """(time the first request was seen, time the n-th was seen), monotonic seconds."""
        first = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = self.poll()
            now = time.monotonic()
            if seen and first is None:
                first = now
                on_first()
            if seen >= n:
                return first, now
            time.sleep(tick)
        raise RuntimeError(f"the fake provider saw {self.poll()} of {n} requests in {timeout} s")


def wait_until(check, timeout, what):
    deadline = time.time() + timeout
    while not check():
        if time.time() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)


def thread_cpu(pid):
    """CPU seconds per thread name (comm) of a live process."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                head, rest = f.read().rsplit(")", 1)
            fields = rest.split()
            name = head.split("(", 1)[1]
            out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / bench.TICK
        except OSError:
            pass
    return out


def command_stats(port):
    """{command: (calls, usec)} from INFO commandstats."""
    stats = {}
    for line in bench.redis_cli(port, "INFO", "commandstats").splitlines():
        if not line.startswith("cmdstat_"):
            continue
        name, values = line[len("cmdstat_"):].split(":", 1)
        kv = dict(item.split("=", 1) for item in values.split(","))
        stats[name] = (int(kv["calls"]), int(kv["usec"]))
    return stats


def context_switches(pid):
    """Voluntary + involuntary context switches of every thread of a live process."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                total += sum(int(line.split()[1]) for line in f if "ctxt_switches:" in line)
        except OSError:
            pass
    return total


class SenderBench:
    def __init__(self, args):
        self.args = args
        self.pin = bench.Pinning()
        self.work = tempfile.mkdtemp(prefix="omnigate-sender-bench-")
        self.procs = Procs(self.work)

    def fake(self, tag):
        port = bench.free_port()
        out = os.path.join(self.work, f"fake-{tag}.out")
        self.procs.start(f"fake-{tag}", self.pin.client([os.path.join(bench.BIN, "omnigate-fakeprovider"),
                                                         f"--addr=127.0.0.1:{port}"]), stdout=out)
        arrivals = Arrivals(out)
        wait_until(lambda: arrivals.poll() == 0 and arrivals.lines == 1, 10, "the fake provider")
        return f"http://127.0.0.1:{port}/telegram", self.procs.procs[-1].pid, arrivals

    def result(self, name, n, first, last, cpu_s, switches, extra):
        r = {"scenario": name, "sends": n, "sends_per_s": round((n - 1) / (last - first), 1),
             "cpu_us_per_send": round(cpu_s * 1e6 / n, 2), "context_switches_per_send": round(switches / n, 2)}
        r.update(extra)
        bench.log(f"{name}: {r['sends_per_s']:.0f} sends/s, {r['cpu_us_per_send']:.1f} µs CPU and "
                  f"{r['context_switches_per_send']:.1f} context switches per send "
                  f"({', '.join(f'{k} {v}' for k, v in extra.items() if k.endswith('_us_per_send'))})")
        return r

    def direct(self, tag):
        n = self.args.count
        url, fake_pid, arrivals = self.fake(tag)
        fake_cpu0 = bench.cpu_seconds(fake_pid)
        client = subprocess.Popen(self.pin.server([os.path.join(bench.BIN, "sender_bench"), "--mode=direct",
                                                   f"--api_base_url={url}", f"--count={n}",
                                                   f"--in_flight={IN_FLIGHT}"]),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first, last = arrivals.wait(n, 300)
        stdout, stderr = client.communicate()
        if client.returncode != 0:
            raise RuntimeError("sender_bench --mode direct failed:\n" + stdout + stderr[-2000:])
        own = json.loads(stdout)
        fake_cpu = bench.cpu_seconds(fake_pid) - fake_cpu0
        self.procs.stop_all()
        r = self.result("direct", n, first, last, own["cpu_s"], own["context_switches"], {
            "own_clock_sends_per_s": own["sends_per_s"], "failed": own["failed"],
            "fake_us_per_send": round(fake_cpu * 1e6 / n, 2)})
        r["core_busy"] = round(own["cpu_s"] / own["wall_s"], 3)
        return r

    def config(self, url):
        path = os.path.join(self.work, "sender.yaml")
        with open(path, "w") as f:
            f.write(f"""ingest:
  partitions: {PARTITIONS}
connectors:
  - name: tg-bench
    channel: telegram
    outbound:
      api_base_url: {url}
      token: "123456:BENCH-token"
      # Limits off: the connector rate at the config's maximum, no per-chat limit.
      rate_per_s: 100000
      recipient_rate_per_s: 0
sender:
  max_in_flight: {IN_FLIGHT}
  max_in_flight_per_connector: {IN_FLIGHT}
""")
        return path

    def sender(self, tag, chats, n):
        url, fake_pid, arrivals = self.fake(tag)
        rport = bench.free_port()
        rdir = os.path.join(self.work, f"redis-{tag}")
        os.makedirs(rdir)
        # Redis is the sender's own: it shares the system-under-test core, as in make bench.
        redis = self.procs.start(f"redis-{tag}", self.pin.server([
            "redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--dir", rdir, "--save", "",
            "--appendonly", "no", "--daemonize", "no"]))
        wait_until(lambda: bench.redis_ping(rport), 10, "redis-server")
        grpc = bench.free_port()
        sender = self.procs.start(f"sender-{tag}", self.pin.server([
            os.path.join(bench.BIN, "omnigate-sender"), "--config", self.config(url),
            "--redis", f"redis://127.0.0.1:{rport}", f"--grpc_addr=127.0.0.1:{grpc}", "--metrics_addr=127.0.0.1:0",
            "--instance_id", f"bench-{tag}", "--log_level=warning"]))
        leases = lambda: len(bench.redis_cli(rport, "--scan", "--pattern", "omnigate:sender:lease:*").split())
        wait_until(lambda: bench.port_open(grpc) and leases() == PARTITIONS, 30, "the sender's leases")
        time.sleep(1.0)  # workers settled in their blocking reads: the run measures sends, not start-up
        preload = subprocess.run([os.path.join(bench.BIN, "sender_bench"), "--mode=preload", f"--count={n}",
                                  f"--conversations={chats}", f"--partitions={PARTITIONS}"],
                                 capture_output=True, check=True).stdout
        pids = {"sender": sender.pid, "redis": redis.pid, "fake": fake_pid}
        if self.args.detail:
            bench.redis_cli(rport, "CONFIG", "RESETSTAT")
            threads0 = thread_cpu(sender.pid)
        perf = None
        if self.args.perf:
            perf = subprocess.Popen(["perf", "record", "-g", "-o", f"{self.args.perf}.{tag}", "-p",
                                     str(sender.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cpu0 = {k: bench.cpu_seconds(p) for k, p in pids.items()}
        switches0 = context_switches(sender.pid)
        t0 = time.monotonic()
        subprocess.run(self.pin.client(["redis-cli", "-p", str(rport), "--pipe"]), input=preload, check=True,
                       capture_output=True)
        preload_s = time.monotonic() - t0
        # CPU over the arrivals' window too, for how busy the core was while sending.
        window = {}
        busy = lambda: bench.cpu_seconds(sender.pid) + bench.cpu_seconds(redis.pid)
        first, last = arrivals.wait(n, 600, on_first=lambda: window.setdefault("first", busy()))
        window["last"] = busy()
        # Sent is not finished: the status record and the acknowledgement follow each answer.
        wait_until(lambda: self.pending(rport) == 0, 30, "every reply acknowledged")
        cpu = {k: bench.cpu_seconds(p) - cpu0[k] for k, p in pids.items()}
        switches = context_switches(sender.pid) - switches0
        sent = arrivals.poll()
        if perf is not None:
            perf.send_signal(2)
            perf.wait(60)
        if self.args.detail:
            self.print_detail(n, rport, sender.pid, threads0)
        self.procs.stop_all()
        r = self.result(f"sender_c{chats}", n, first, last, cpu["sender"], switches, {
            "chats": chats, "redis_us_per_send": round(cpu["redis"] * 1e6 / n, 2),
            "fake_us_per_send": round(cpu["fake"] * 1e6 / n, 2), "provider_requests": sent,
            "preload_s": round(preload_s, 3)})
        # Share of the sender's core busy while sending (sender + redis).
        r["core_busy"] = round((window["last"] - window["first"]) / (last - first), 3)
        return r

    @staticmethod
    def print_detail(n, rport, pid, threads0):
        stats = command_stats(rport)
        bench.log("  redis per send: " + ", ".join(
            f"{name} {calls / n:.2f} calls {usec / n:.1f} µs" for name, (calls, usec) in
            sorted(stats.items(), key=lambda kv: -kv[1][1]) if usec / n >= 0.05))
        threads = thread_cpu(pid)
        bench.log("  sender per send by thread: " + ", ".join(
            f"{name} {(cpu - threads0.get(name, 0.0)) * 1e6 / n:.1f} µs" for name, cpu in
            sorted(threads.items(), key=lambda kv: -(kv[1] - threads0.get(kv[0], 0.0)))
            if cpu - threads0.get(name, 0.0) > 0))

    @staticmethod
    def pending(port):
        """Replies read and not yet acknowledged plus replies not yet read, over every outbound stream."""
        script = ("local n = 0 for _, k in ipairs(KEYS) do for _, g in ipairs(redis.call('XINFO', 'GROUPS', k)) do "
                  "for i = 1, #g, 2 do if g[i] == 'pending' or g[i] == 'lag' then n = n + (g[i + 1] or 0) end end "
                  "end end return n")
        keys = [f"omnigate:outbound:{{{p}}}" for p in range(PARTITIONS)]
        out = bench.redis_cli(port, "EVAL", script, str(len(keys)), *keys).strip()
        return int(out) if out.lstrip("-").isdigit() else -1

    def run(self):
        a = self.args
        scenarios = [tuple(int(x) for x in sc.split(":")) for sc in a.scenarios.split(",")]
        bench.log(f"sender bench: direct {a.count} sends, sender (chats:replies) {a.scenarios}, {a.rounds} rounds; "
                  f"pinning {'on (sender + redis / direct client CPU 1; fake provider CPU 0)' if self.pin.on else 'off'}")
        rounds = []
        try:
            for i in range(a.rounds):
                r = {"direct": self.direct(f"d{i}")}
                for chats, n in scenarios:
                    s = self.sender(f"s{i}c{chats}", chats, n)
                    s["ratio"] = round(s["sends_per_s"] / r["direct"]["sends_per_s"], 3)
                    # The same ratio for two CPU-bound cores: direct CPU per send ÷ (sender + redis).
                    s["cpu_ratio"] = round(r["direct"]["cpu_us_per_send"] /
                                           (s["cpu_us_per_send"] + s["redis_us_per_send"]), 3)
                    r[s["scenario"]] = s
                rounds.append(r)
        finally:
            self.procs.stop_all()
        summary = {}
        for name in rounds[0]:
            keys = [k for k, v in rounds[0][name].items() if isinstance(v, (int, float)) and k != "sends"]
            summary[name] = {k: statistics.median(r[name][k] for r in rounds) for k in keys}
            summary[name]["sends"] = rounds[0][name]["sends"]
        meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "cpus": os.cpu_count(), "pinned": self.pin.on,
                "rounds": a.rounds, "partitions": PARTITIONS, "in_flight": IN_FLIGHT, "ratio_target": ">= 0.5"}
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "median": summary, "rounds": rounds}, f, indent=1)
        d = summary["direct"]
        bench.log(f"medians of {a.rounds} rounds ({os.path.relpath(a.json, bench.ROOT)}):")
        bench.log(f"  direct: {d['sends_per_s']:.0f} sends/s, {d['cpu_us_per_send']:.1f} µs CPU per send, "
                  f"core busy {d['core_busy']:.2f}")
        if d["core_busy"] < 0.8:
            # Then it waits on round trips (16 connections), which other load on the machine stretches.
            bench.log("  WARNING: the direct client was not CPU-bound: the machine was shared? The sends/s "
                      "ratios are overstated; cpu_ratio is the steadier figure")
        for name, v in summary.items():
            if name != "direct":
                bench.log(f"  {name}: {v['sends_per_s']:.0f} sends/s, {v['cpu_us_per_send']:.1f} µs CPU per send "
                          f"(+ redis {v['redis_us_per_send']:.1f}); ratio {v['ratio']:.3f}, target >= 0.5 "
                          f"{'met' if v['ratio'] >= 0.5 else 'NOT MET'}; CPU ratio {v['cpu_ratio']:.3f}")
        shutil.rmtree(self.work, ignore_errors=True)
        return summary


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=20000, help="direct sends")
    p.add_argument("--scenarios", default="200:20000,1000:5000", help="sender runs, chats:replies,...")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--json", default=os.path.join(bench.RESULTS, "sender.json"))
    p.add_argument("--detail", action="store_true", help="Redis commands and sender threads per send")
    p.add_argument("--perf", help="perf record -g of the sender into FILE.<scenario>")
    args = p.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    SenderBench(args).run()


if __name__ == "__main__":
    main()
