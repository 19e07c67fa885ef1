#!/usr/bin/env python3
"""make bench: every benchmark of BENCHMARKS.md in one run, ratios against baselines of the same run.

On a shared 2-core machine absolute numbers drift from run to run, so each target is a ratio of two
measurements taken minutes apart in this one run, plus CPU-µs per message per process (utime+stime from
/proc/<pid>/stat around each scenario), which transfers to other machines.

Layout when there are >= 2 cores: load generators and redis-benchmark's client on CPU 0, the system
under test (ingest, dispatcher, redis-server, no-op servers) on CPU 1 (taskset). Everything binds to
127.0.0.1 on free ports; nothing outside this machine is touched.

Writes bench/results/<scenario>.json (loadgen summaries), bench/results/bench.json (all scenarios,
CPU and RSS), bench/results/ratios.json, bench/results/bench.png (gnuplot) and the table between the
markers in BENCHMARKS.md.

  tools/bench.py [--seconds 8] [--concurrency 32] [--skip-normalize]
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")
RESULTS = os.path.join(ROOT, "bench", "results")
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
META_SECRET = "bench-meta-app-secret"
# R8: alternated runs with AOF (and one more without).
PERSIST_PAIRS = 5
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """utime + stime of a live process, in seconds (fields 14 and 15 of /proc/<pid>/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except OSError:
        return None


def rss_mib(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class Pinning:
    """CPU 1 for the system under test, CPU 0 for clients, when there are two cores."""

    def __init__(self):
        self.on = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None

    def server(self, argv):
        return (["taskset", "-c", "1"] + argv) if self.on else argv

    def client(self, argv):
        return (["taskset", "-c", "0"] + argv) if self.on else argv


class Stack:
    """The processes of the run; all stopped at exit."""

    def __init__(self, work, pin):
        self.work, self.pin, self.procs = work, pin, {}

    def start(self, name, argv, ready=None):
        logf = open(os.path.join(self.work, name + ".log"), "w")
        p = subprocess.Popen(self.pin.server(argv), stdout=logf, stderr=subprocess.STDOUT)
        self.procs[name] = p
        if ready:
            deadline = time.time() + 20
            while not ready():
                if p.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"{name} did not start; see {logf.name}:\n" + open(logf.name).read()[-2000:])
                time.sleep(0.05)
        return p

    def stop(self, name):
        p = self.procs.pop(name, None)
        if p and p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop_all(self):
        for name in list(self.procs):
            self.stop(name)


def redis_ping(port):
    return subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG"


def redis_cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(args), capture_output=True, text=True).stdout


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class CpuMeter:
    """CPU seconds of named processes over a scenario, and their peak RSS sampled every 100 ms."""

    def __init__(self, pids):
        self.pids = {k: v for k, v in pids.items() if v}
        self.before = {k: cpu_seconds(p) for k, p in self.pids.items()}
        self.peak = {k: 0.0 for k in self.pids}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._sample, daemon=True)
        self._t.start()

    def _sample(self):
        while not self._stop.wait(0.1):
            for k, p in self.pids.items():
                r = rss_mib(p)
                if r:
                    self.peak[k] = max(self.peak[k], r)

    def finish(self):
        self._stop.set()
        self._t.join()
        out = {}
        for k, p in self.pids.items():
            after = cpu_seconds(p)
            if after is not None and self.before[k] is not None:
                out[k] = after - self.before[k]
        return out, self.peak


class Bench:
    def __init__(self, args):
        self.args = args
        self.pin = Pinning()
        self.work = tempfile.mkdtemp(prefix="omnigate-bench-")
        self.stack = Stack(self.work, self.pin)
        self.scenarios = {}

    # ---------------------------------------------------------------- plumbing
    def loadgen(self, name, argv, servers, messages_key="ok", per_request=1):
        """Runs one loadgen client to completion; records its summary, CPU per message per process."""
        out = os.path.join(RESULTS, name + ".json")
        cmd = self.pin.client([os.path.join(BIN, "omnigate-loadgen"), "--json", out] + argv)
        meter = CpuMeter(servers)
        t0 = time.time()
        with open(os.path.join(self.work, name + ".client.log"), "w") as logf:
            p = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT)
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
        cpu, peak = meter.finish()
        cpu["loadgen"] = ru.ru_utime + ru.ru_stime
        if p.returncode != 0:
            raise RuntimeError(f"loadgen {name} failed:\n" + open(logf.name).read()[-3000:])
        with open(out) as f:
            summary = json.load(f)
        self.record(name, summary, cpu, peak, summary.get(messages_key, 0) * per_request, time.time() - t0)
        return summary

    def record(self, name, summary, cpu, peak, messages, wall):
        summary["cpu_us_per_msg"] = {k: round(v * 1e6 / messages, 2) for k, v in cpu.items()} if messages else {}
        summary["cpu_cores"] = {k: round(v / wall, 3) for k, v in cpu.items()} if wall else {}
        summary["peak_rss_mib"] = {k: round(v, 1) for k, v in peak.items()}
        self.scenarios[name] = summary
        lat = summary.get("latency", {})
        log(f"{name}: {summary.get('events_per_s', summary.get('rate', 0)):.0f} msg/s, "
            f"p50 {lat.get('p50_ms', 0):.3f} ms, p99 {lat.get('p99_ms', 0):.3f} ms, errors {summary.get('errors', 0)}, "
            f"cpu µs/msg {summary['cpu_us_per_msg']}")

    def redis(self, name, persistence):
        port = free_port()
        d = os.path.join(self.work, name)
        os.makedirs(d)
        argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
                "--daemonize", "no", "--logfile", ""]
        argv += ["--appendonly", "yes", "--appendfsync", "everysec"] if persistence else ["--appendonly", "no"]
        self.stack.start(name, argv, ready=lambda: redis_ping(port))
        return port

    def redis_cluster(self, name, masters=3):
        """A Redis Cluster of `masters` nodes, no replicas (their CPU is what is measured); the ports."""
        ports = []
        for i in range(masters):
            port = free_port()
            while port + 10000 > 65535 or port_open(port + 10000):
                port = free_port()
            d = os.path.join(self.work, f"{name}-{i}")
            os.makedirs(d)
            self.stack.start(f"{name}-{i}", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                                              "--save", "", "--appendonly", "no", "--cluster-enabled", "yes",
                                              "--cluster-config-file", "nodes.conf", "--cluster-node-timeout",
                                              "2000", "--daemonize", "no", "--logfile", ""],
                             ready=lambda p=port: redis_ping(p))
            ports.append(port)
        subprocess.run(["redis-cli", "--cluster", "create"] + [f"127.0.0.1:{p}" for p in ports]
                       + ["--cluster-replicas", "0", "--cluster-yes"], check=True, capture_output=True)
        deadline = time.time() + 30
        while not all("cluster_state:ok" in redis_cli(p, "CLUSTER", "INFO") for p in ports):
            if time.time() > deadline:
                raise RuntimeError("redis cluster did not become ok")
            time.sleep(0.1)
        return ports

    def config(self, sink_port, extra=""):
        path = os.path.join(self.work, "omnigate-wait.yaml" if extra else "omnigate.yaml")
        with open(path, "w") as f:
            f.write(extra + f"""connectors:
  - name: wa-main
    channel: whatsapp
    secret: {META_SECRET}
    verify_token: bench
sinks:
  - name: chatbot
    address: 127.0.0.1:{sink_port}
  - name: agent-router
    address: 127.0.0.1:{sink_port}
routing:
  bot: chatbot
  agent: agent-router
ingest:
  partitions: 16
  stream_max_len: 20000
  dedupe_ttl_seconds: 600
  # Most scenarios have no consumer: the backlog limit would shed them.
  max_backlog: 0
""")
        return path

    def ingest(self, name, redis_port, url=None, cfg=None):
        http, grpc, metrics = free_port(), free_port(), free_port()
        self.stack.start(name, [os.path.join(BIN, "omnigate-ingest"), "--config", cfg or self.cfg,
                                "--redis", url or f"redis://127.0.0.1:{redis_port}", f"--http_addr=127.0.0.1:{http}",
                                f"--grpc_addr=127.0.0.1:{grpc}", f"--metrics_addr=127.0.0.1:{metrics}",
                                "--log_level=warning"],
                         ready=lambda: port_open(grpc) and port_open(http))
        return http, grpc

    def dispatcher(self, name, redis_port):
        grpc, metrics = free_port(), free_port()
        self.stack.start(name, [os.path.join(BIN, "omnigate-dispatcher"), "--config", self.cfg,
                                "--redis", f"redis://127.0.0.1:{redis_port}", f"--grpc_addr=127.0.0.1:{grpc}",
                                f"--metrics_addr=127.0.0.1:{metrics}", "--instance_id", name,
                                "--log_level=warning"],
                         ready=lambda: port_open(grpc))

    def pid(self, name):
        p = self.stack.procs.get(name)
        return p.pid if p else None

    # ---------------------------------------------------------------- scenarios
    def run(self):
        a = self.args
        S, C = str(a.seconds), str(a.concurrency)
        os.makedirs(RESULTS, exist_ok=True)
        log(f"work dir {self.work}; pinning {'on (clients CPU 0, servers CPU 1)' if self.pin.on else 'off'}")

        if not a.skip_normalize:
            log("normalization microbenchmarks")
            subprocess.run(self.pin.server([os.path.join(BIN, "normalize_bench"), "--benchmark_min_time=0.2",
                                            f"--benchmark_out={RESULTS}/normalize.json", "--benchmark_out_format=json"]),
                           check=True, stdout=subprocess.DEVNULL)
            # The results are committed: no path of this machine in them.
            path = os.path.join(RESULTS, "normalize.json")
            with open(path) as f:
                data = json.load(f)
            data.get("context", {})["executable"] = os.path.relpath(data.get("context", {}).get("executable", ""), ROOT)
            with open(path, "w") as f:
                json.dump(data, f, indent=2)
            # FAQ bot: matching time per message and the evaluation figures.
            log("chatbot matching microbenchmark")
            path = os.path.join(RESULTS, "chatbot_match.json")
            subprocess.run(self.pin.server([os.path.join(BIN, "chatbot_match_bench"), "--benchmark_min_time=0.5",
                                            f"--benchmark_out={path}", "--benchmark_out_format=json"]),
                           check=True, stdout=subprocess.DEVNULL)
            with open(path) as f:
                data = json.load(f)
            data.get("context", {})["executable"] = os.path.relpath(data.get("context", {}).get("executable", ""), ROOT)
            with open(path, "w") as f:
                json.dump(data, f, indent=2)
            b = data["benchmarks"][0]
            log(f"chatbot: {b['us_per_message']:.2f} us/message, in-scope right {b['in_scope_right_pct']:.1f} %, "
                f"off-topic answered {b['off_topic_answered_pct']:.1f} % ({int(b['questions'])} questions)")

        sink_port = free_port()
        self.cfg = self.config(sink_port)
        r_main = self.redis("redis", persistence=False)
        r_aof = self.redis("redis-aof", persistence=True)
        http, grpc = self.ingest("ingest", r_main)
        ipid, rpid = self.pid("ingest"), self.pid("redis")
        sut = {"ingest": ipid, "redis": rpid}

        # Baseline: the no-op gRPC server, same client, same concurrency.
        noop = free_port()
        self.stack.start("noop", [os.path.join(BIN, "omnigate-loadgen"), "--mode", "noop-server",
                                  f"--grpc_addr=127.0.0.1:{noop}"], ready=lambda: port_open(noop))
        noop_t = f"--target=127.0.0.1:{noop}"
        grpc_t = f"--target=127.0.0.1:{grpc}"
        self.loadgen("noop_unary", ["--mode", "grpc-unary", noop_t, "--concurrency", C, "--duration", S],
                     {"noop": self.pid("noop")})
        self.loadgen("unary", ["--mode", "grpc-unary", grpc_t, "--concurrency", C, "--duration", S], sut)
        self.loadgen("webhook", ["--mode", "webhook", f"--target=127.0.0.1:{http}", "--channel", "whatsapp",
                                 "--connector", "wa-main", "--secret", META_SECRET, "--concurrency", C,
                                 "--duration", S], sut)
        # Stored entry size, for redis-benchmark's payload.
        size = redis_cli(r_main, "EVAL", "local e = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1][2] "
                         "for i = 1, #e, 2 do if e[i] == 'event' then return string.len(e[i + 1]) end end return 0",
                         "1", "omnigate:stream:{0}").strip()
        payload_bytes = int(size) if size.isdigit() and int(size) > 0 else 200
        self.payload_bytes = payload_bytes

        for depth in (1, 16, 64):
            self.loadgen(f"stream_w{depth}", ["--mode", "grpc-stream", grpc_t, "--streams", "1",
                                              "--concurrency", str(depth), "--duration", S], sut)
        # R9: 16 events per request (4 requests in flight): ingest folds each flush's events of one
        # partition into one script call; Redis CPU per stored event against a bare XADD's.
        self.loadgen("stream_b16", ["--mode", "grpc-stream", grpc_t, "--streams", "1", "--batch", "16",
                                    "--concurrency", "4", "--duration", S], sut, per_request=16)
        # R10: the same on a 3-master Redis Cluster (every node on the server core, like the one Redis).
        cluster_ports = self.redis_cluster("redis-cluster")
        _, grpc_c = self.ingest("ingest-cluster", None,
                                url="redis-cluster://" + ",".join(f"127.0.0.1:{p}" for p in cluster_ports))
        nodes = {f"redis{i}": self.pid(f"redis-cluster-{i}") for i in range(len(cluster_ports))}
        self.loadgen("cluster_b16", ["--mode", "grpc-stream", f"--target=127.0.0.1:{grpc_c}", "--streams", "1",
                                     "--batch", "16", "--concurrency", "4", "--duration", S],
                     dict(nodes, ingest=self.pid("ingest-cluster")), per_request=16)
        self.stack.stop("ingest-cluster")
        for i in range(len(cluster_ports)):
            self.stack.stop(f"redis-cluster-{i}")
        # R11: redis_wait_replicas: 1 against a master with one replica.
        r_wait = self.redis("redis-wait", persistence=False)
        d = os.path.join(self.work, "redis-wait-replica")
        os.makedirs(d)
        replica_port = free_port()
        self.stack.start("redis-wait-replica", ["redis-server", "--port", str(replica_port), "--bind", "127.0.0.1",
                                                "--dir", d, "--save", "", "--appendonly", "no", "--replicaof",
                                                "127.0.0.1", str(r_wait), "--daemonize", "no", "--logfile", ""],
                         ready=lambda: "master_link_status:up" in redis_cli(replica_port, "INFO", "replication"))
        _, grpc_w = self.ingest("ingest-wait", r_wait, cfg=self.config(sink_port, extra="redis_wait_replicas: 1\n"))
        self.loadgen("wait_b16", ["--mode", "grpc-stream", f"--target=127.0.0.1:{grpc_w}", "--streams", "1",
                                  "--batch", "16", "--concurrency", "4", "--duration", S],
                     {"ingest": self.pid("ingest-wait"), "redis": self.pid("redis-wait"),
                      "replica": self.pid("redis-wait-replica")}, per_request=16)
        for name in ("ingest-wait", "redis-wait-replica", "redis-wait"):
            self.stack.stop(name)
        # The same stream against the no-op server: what gRPC alone allows at each depth (R2's ceiling).
        for depth in (1, 16, 64):
            self.loadgen(f"noop_stream_w{depth}", ["--mode", "grpc-stream", noop_t, "--streams", "1", "--concurrency",
                                                   str(depth), "--duration", S], {"noop": self.pid("noop")})

        # redis-benchmark XADD, same stored size, one connection at the same pipeline depth.
        bench_port = self.redis("redis-bench", persistence=False)
        payload = "x" * payload_bytes
        for depth in (1, 16, 64):
            n = {1: 60000, 16: 400000, 64: 800000}[depth]
            meter = CpuMeter({"redis": self.pid("redis-bench")})
            t0 = time.time()
            out = subprocess.run(self.pin.client(["redis-benchmark", "-p", str(bench_port), "-c", "1", "-n", str(n),
                                                  "-P", str(depth), "--csv", "XADD", "bench:{0}", "MAXLEN", "~",
                                                  "100000", "*", "event", payload]),
                                 capture_output=True, text=True, check=True).stdout
            cpu, peak = meter.finish()
            rps = float([l for l in out.splitlines() if l.startswith('"XADD')][0].split(",")[1].strip('"'))
            self.record(f"redis_xadd_p{depth}", {"mode": "redis-benchmark", "pipeline": depth, "rate": rps,
                                                 "events_per_s": rps, "payload_bytes": payload_bytes, "ok": n},
                        cpu, peak, n, time.time() - t0)
        if self.pin.on:
            # Same run, client on the server's core: what a cross-core wake-up costs on this machine.
            t0 = time.time()
            out = subprocess.run(["taskset", "-c", "1", "redis-benchmark", "-p", str(bench_port), "-c", "1", "-n",
                                  "60000", "-P", "1", "--csv", "XADD", "bench:{0}", "MAXLEN", "~", "100000", "*",
                                  "event", payload], capture_output=True, text=True, check=True).stdout
            rps = float([l for l in out.splitlines() if l.startswith('"XADD')][0].split(",")[1].strip('"'))
            self.record("redis_xadd_p1_samecore", {"mode": "redis-benchmark", "pipeline": 1, "rate": rps,
                                                   "events_per_s": rps, "payload_bytes": payload_bytes, "ok": 60000},
                        {}, {}, 60000, time.time() - t0)
        self.stack.stop("redis-bench")

        # R5: open loop at half of ingest's unary saturation, against the no-op server and ingest.
        half = max(100, int(self.scenarios["unary"]["rate"] * 0.5))
        self.half_rate = half
        for name, target, servers in (("noop_half", noop_t, {"noop": self.pid("noop")}), ("unary_half", grpc_t, sut)):
            self.loadgen(name, ["--mode", "grpc-unary", target, "--rate", str(half), "--concurrency", "2000",
                                "--duration", S], servers)
        self.stack.stop("noop")

        # R8: AOF everysec vs no persistence in short alternated runs (none, aof, none, ..., none); each
        # aof run is compared with the mean of its two neighbours, so drift cancels; the median of those.
        http_aof, grpc_aof = self.ingest("ingest-aof", r_aof)
        sut_aof = {"ingest": self.pid("ingest-aof"), "redis": self.pid("redis-aof")}
        short = str(max(3, a.seconds // 2))
        for i, (kind, target, servers) in enumerate(
                [("none", grpc_t, sut), ("aof", f"--target=127.0.0.1:{grpc_aof}", sut_aof)] * PERSIST_PAIRS
                + [("none", grpc_t, sut)]):
            self.loadgen(f"persist_{kind}_{i // 2 + 1}", ["--mode", "grpc-unary", target, "--concurrency", C,
                                                         "--duration", short], servers)
        self.stack.stop("ingest-aof")
        self.stack.stop("redis-aof")

        # Overload: open loop at 3x saturation from 32 connections (more open calls than ingest's
        # in-flight cap allows); ingest memory must stay bounded.
        self.loadgen("overload", ["--mode", "grpc-unary", grpc_t, "--rate", str(half * 6), "--connections", "32",
                                  "--concurrency", "20000",
                                  "--duration", str(max(4, a.seconds // 2)), "--e2e_wait", "5"], sut)

        # R6: ingest -> dispatcher -> sink at half load (e2e mode serves the sink itself).
        redis_cli(r_main, "FLUSHALL")
        e2e_sink = f"--sink_addr=127.0.0.1:{sink_port}"
        self.dispatcher("dispatcher", r_main)
        sut_d = dict(sut, dispatcher=self.pid("dispatcher"))
        # 50% load of the whole chain: the dispatcher shares ingest's core, so its saturation is lower.
        self.loadgen("e2e_sat", ["--mode", "e2e", grpc_t, e2e_sink, "--concurrency", C, "--duration", S], sut_d)
        self.e2e_half_rate = max(100, int(self.scenarios["e2e_sat"]["rate"] * 0.5))
        redis_cli(r_main, "FLUSHALL")
        self.stack.stop("dispatcher")
        self.dispatcher("dispatcher", r_main)
        sut_d = dict(sut, dispatcher=self.pid("dispatcher"))
        self.loadgen("e2e_half", ["--mode", "e2e", grpc_t, e2e_sink, "--rate", str(self.e2e_half_rate),
                                  "--concurrency", "2000", "--duration", S], sut_d)
        self.stack.stop("dispatcher")

        # R7: the dispatcher draining a backlog into a no-op sink.
        redis_cli(r_main, "FLUSHALL")
        backlog = max(20000, min(300000, int(self.scenarios["unary"]["rate"] * a.seconds)))
        self.loadgen("prefill", ["--mode", "grpc-stream", grpc_t, "--streams", "2", "--concurrency", "64",
                                 "--count", str(backlog), "--duration", "120"], sut)
        queued = self.scenarios["prefill"]["ok"]
        sink_out = os.path.join(RESULTS, "drain.json")
        sink = subprocess.Popen(self.pin.client([os.path.join(BIN, "omnigate-loadgen"), "--mode", "sink",
                                                 f"--grpc_addr=127.0.0.1:{sink_port}", "--count", str(queued),
                                                 "--e2e_wait", "120", "--json", sink_out]),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not port_open(sink_port):
            time.sleep(0.02)
        t0 = time.time()
        self.dispatcher("dispatcher-drain", r_main)
        meter = CpuMeter({"dispatcher": self.pid("dispatcher-drain"), "redis": rpid})
        _, status, ru = os.wait4(sink.pid, 0)
        cpu, peak = meter.finish()
        cpu["sink"] = ru.ru_utime + ru.ru_stime
        with open(sink_out) as f:
            drain = json.load(f)
        drain["backlog"] = queued
        self.record("drain", dict(drain, rate=drain["events_per_s"]), cpu, peak, drain["events"], time.time() - t0)
        self.stack.stop("dispatcher-drain")
        self.ingest_rss = {"full_load_mib": max(self.scenarios[n]["peak_rss_mib"].get("ingest", 0)
                                                for n in ("unary", "webhook", "stream_w64")),
                           "overload_mib": self.scenarios["overload"]["peak_rss_mib"].get("ingest", 0),
                           "hwm_mib": rss_mib(ipid, "VmHWM")}
        self.stack.stop_all()

    # ---------------------------------------------------------------- report
    def ratios(self):
        s = self.scenarios
        ev = lambda n: s[n]["events_per_s"]
        cpu = lambda n, proc: s[n]["cpu_us_per_msg"][proc]
        busy = lambda n, procs: sum(cpu(n, p) for p in procs) * ev(n) / 1e6
        capacity_name = max(("unary", "webhook", "stream_w64"), key=ev)
        pairs = sorted(ev(f"persist_aof_{i}") * 2 / (ev(f"persist_none_{i}") + ev(f"persist_none_{i + 1}"))
                       for i in range(1, PERSIST_PAIRS + 1) if f"persist_aof_{i}" in s)
        if not pairs:  # results of a run older than the alternated pairs
            raise SystemExit("bench.json has no persist_aof_N/persist_none_N pairs: run make bench again")
        r8 = pairs[len(pairs) // 2]
        cluster_redis = sum(v for k, v in s["cluster_b16"]["cpu_us_per_msg"].items() if k.startswith("redis"))
        rows = [
            ("R1", "unary Publish ÷ no-op gRPC server (same client, concurrency %d)" % self.args.concurrency,
             ev("unary") / ev("noop_unary"), ">= 0.7"),
            ("R2 (depth 1)", "PublishStream ÷ redis-benchmark XADD, pipeline 1", ev("stream_w1") / ev("redis_xadd_p1"), ">= 0.4"),
            ("R2 (depth 16)", "PublishStream ÷ redis-benchmark XADD, pipeline 16", ev("stream_w16") / ev("redis_xadd_p16"), ">= 0.4"),
            ("R2 (depth 64)", "PublishStream ÷ redis-benchmark XADD, pipeline 64", ev("stream_w64") / ev("redis_xadd_p64"), ">= 0.4"),
            ("R1 ceiling", "no-op server CPU ÷ (no-op + redis-server CPU of `unary`) per call: R1 with a free ingest "
             "while Redis shares the server core", cpu("noop_unary", "noop") / (cpu("noop_unary", "noop") + cpu("unary", "redis")),
             "ceiling"),
            # One message at a time, answered only once Redis stored it: a no-op gRPC round trip plus at
            # least one Redis round trip, one after the other.
            ("R2 ceiling (depth 1)", "no-op gRPC stream round trip + one XADD round trip, in series, ÷ XADD, pipeline 1",
             ev("noop_stream_w1") / (ev("noop_stream_w1") + ev("redis_xadd_p1")), "ceiling"),
            ("R2 ceiling (depth 16)", "no-op gRPC stream ÷ XADD, pipeline 16", ev("noop_stream_w16") / ev("redis_xadd_p16"), "ceiling"),
            ("R2 ceiling (depth 64)", "no-op gRPC stream ÷ XADD, pipeline 64", ev("noop_stream_w64") / ev("redis_xadd_p64"), "ceiling"),
            ("R3", "webhook ÷ unary Publish", ev("webhook") / ev("unary"), ">= 0.5"),
            ("R9 Redis CPU", "redis-server CPU per stored event, PublishStream with 16 events per request ÷ "
             "redis-benchmark XADD, pipeline 16", cpu("stream_b16", "redis") / cpu("redis_xadd_p16", "redis"), "<= 2"),
            ("R9 throughput", "PublishStream with 16 events per request ÷ redis-benchmark XADD, pipeline 16",
             ev("stream_b16") / ev("redis_xadd_p16"), ">= 0.5"),
            # One core serves ingest and every Redis in both runs: the cluster cannot be faster here.
            ("R10 cluster", "PublishStream, 16 events per request, on a 3-master cluster ÷ on one Redis (same core)",
             ev("cluster_b16") / ev("stream_b16"), "context"),
            ("R10 Redis CPU", "redis-server CPU per stored event summed over the 3 masters ÷ one Redis's",
             cluster_redis / cpu("stream_b16", "redis"), "context"),
            ("R10 projection", "events/s 3 masters with a core each could store: 3 × 10^6 ÷ (Redis CPU µs per event "
             "on the cluster); N masters scale it by N/3", 3e6 / cluster_redis, "context"),
            ("R11", "PublishStream, 16 events per request, with redis_wait_replicas: 1 ÷ without",
             ev("wait_b16") / ev("stream_b16"), "context"),
            ("R5", "p99 added over the no-op server at 50%% of saturation (%d/s), ms" % self.half_rate,
             s["unary_half"]["latency"]["p99_ms"] - s["noop_half"]["latency"]["p99_ms"], "<= 0.3"),
            ("R6", "ingest → sink p99 at 50%% of e2e saturation (%d/s), ms" % self.e2e_half_rate, s["e2e_half"]["e2e_latency"]["p99_ms"], "<= 2"),
            # What "50 %" costs: share of the server core busy at half the saturation rate (CPU per message of
            # the server processes × rate). Near 1, the half-load tail is a saturated queue's.
            ("R5 core busy", "server core busy in `unary_half` (ingest + redis CPU per call × rate)",
             busy("unary_half", ("ingest", "redis")), "context"),
            # The same for an ingest no dearer than the no-op server: its CPU per call at that rate plus Redis's.
            ("R5 core busy, free ingest", "no-op server CPU per call in `noop_half` + redis CPU per call in `unary_half`, "
             "× rate: the floor for any ingest that stores before answering",
             (cpu("noop_half", "noop") + cpu("unary_half", "redis")) * ev("unary_half") / 1e6, "context"),
            ("R6 core busy", "server core busy in `e2e_half` (dispatcher + ingest + redis CPU per event × rate)",
             busy("e2e_half", ("dispatcher", "ingest", "redis")), "context"),
            ("R7", "dispatcher drain ÷ ingest capacity (%s)" % capacity_name, ev("drain") / ev(capacity_name), ">= 1.5"),
            ("R8", "unary with AOF everysec ÷ without persistence (median of %d alternated runs, each ÷ the mean of "
             "its neighbours; range %.3f-%.3f)" % (len(pairs), pairs[0], pairs[-1]), r8, ">= 0.95"),
            ("RSS", "ingest peak RSS under full load, MiB", self.ingest_rss["full_load_mib"], "<= 100"),
            ("RSS overload", "ingest peak RSS at 3x saturation (open loop, excess shed), MiB", self.ingest_rss["overload_mib"], "bounded"),
        ]
        out = []
        for key, what, value, target in rows:
            op, bound = target.split() if " " in target else (None, None)
            ok = None
            if op == ">=":
                ok = value >= float(bound)
            elif op == "<=":
                ok = value <= float(bound)
            elif target == "bounded":
                ok = value <= 100  # the full-load budget holds under overload too
            out.append({"id": key, "what": what, "value": round(value, 3), "target": target, "met": ok})
        return out

    def write(self):
        ratios = self.ratios()
        # --report-only keeps the date of the run the numbers come from.
        meta = {"date": getattr(self, "run_date", None) or time.strftime("%Y-%m-%d %H:%M:%S %Z"), "cpus": os.cpu_count(), "pinned": self.pin.on,
                "seconds_per_scenario": self.args.seconds, "concurrency": self.args.concurrency,
                "stored_event_bytes": self.payload_bytes, "ingest_rss": self.ingest_rss}
        with open(os.path.join(RESULTS, "bench.json"), "w") as f:
            json.dump({"meta": meta, "scenarios": self.scenarios}, f, indent=1)
        with open(os.path.join(RESULTS, "ratios.json"), "w") as f:
            json.dump({"meta": meta, "ratios": ratios}, f, indent=1)
        self.plot()
        self.markdown(meta, ratios)

    def plot(self):
        persist = [f"persist_{k}_{i}" for i in range(1, PERSIST_PAIRS + 2) for k in ("none", "aof")]
        order = (["noop_unary", "unary", "webhook", "stream_w1", "stream_w16", "stream_w64", "stream_b16", "cluster_b16", "wait_b16", "noop_stream_w1",
                  "noop_stream_w16", "noop_stream_w64", "redis_xadd_p1", "redis_xadd_p16", "redis_xadd_p64"]
                 + persist + ["noop_half", "unary_half", "e2e_sat", "e2e_half", "drain"])
        dat = os.path.join(RESULTS, "bench.dat")
        with open(dat, "w") as f:
            f.write("# scenario msgs_per_s p50_ms p99_ms\n")
            for i, n in enumerate(o for o in order if o in self.scenarios):
                s = self.scenarios[n]
                lat = s.get("e2e_latency") if n == "e2e_half" else s.get("latency", {})
                lat = lat or {}
                f.write(f"{i} {n} {s.get('events_per_s', 0):.1f} {lat.get('p50_ms', 0):.4f} {lat.get('p99_ms', 0):.4f}\n")
        if not shutil.which("gnuplot"):
            log("gnuplot missing: no PNG (tools/install-deps.sh installs gnuplot-nox)")
            return
        gp = f"""set terminal pngcairo size 1400,900 noenhanced
set output '{RESULTS}/bench.png'
set multiplot layout 2,1 title 'omnigate make bench ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs)'
set style data histogram
set style fill solid 0.8 border -1
set boxwidth 0.8
set grid ytics
set xtics rotate by -30 nomirror
set ylabel 'messages / s'
set title 'Throughput (events per second)'
plot '{dat}' using 3:xtic(2) title 'msgs/s' lc rgb '#3060c0'
set ylabel 'ms'
set logscale y
set title 'Latency (request latency; e2e_half: ingest to sink), log scale'
plot '{dat}' using ($4 > 0 ? $4 : 1e-3):xtic(2) title 'p50' lc rgb '#40a040', '' using ($5 > 0 ? $5 : 1e-3) title 'p99' lc rgb '#c04040'
unset multiplot
"""
        try:
            subprocess.run(["gnuplot"], input=gp, text=True, check=True, capture_output=True)
        except subprocess.CalledProcessError as e:
            # pngcairo may be absent in gnuplot-nox builds: fall back to the plain png terminal.
            gp = gp.replace("pngcairo size 1400,900 noenhanced", "png size 1400,900 noenhanced")
            subprocess.run(["gnuplot"], input=gp, text=True, check=True)

    def markdown(self, meta, ratios):
        s = self.scenarios
        L = [BEGIN, "",
             f"Run of {meta['date']}: {meta['cpus']} CPUs, pinning {'on (clients CPU 0; ingest, dispatcher, redis-server, no-op servers CPU 1)' if meta['pinned'] else 'off'}, "
             f"{meta['seconds_per_scenario']} s per scenario, closed-loop concurrency {meta['concurrency']}, "
             f"one event of {meta['stored_event_bytes']} stored bytes per message. Raw data: `bench/results/`.",
             "", "### Targets (ratios of this run)", "",
             "| id | what | measured | target | met |", "|---|---|---:|---|---|"]
        for r in ratios:
            met = "–" if r["met"] is None else ("yes" if r["met"] else "NO")
            L.append(f"| {r['id']} | {r['what']} | {r['value']:.3f} | {r['target']} | {met} |")
        L += ["", "### Scenarios", "",
              "| scenario | msgs/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors / refused | CPU µs/msg per process |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        for n, v in s.items():
            lat = v.get("e2e_latency") if n == "e2e_half" else v.get("latency")
            lat = lat or {}
            cpu = ", ".join(f"{k} {x:.1f}" for k, x in sorted(v.get("cpu_us_per_msg", {}).items()))
            f = lambda k: f"{lat[k]:.3f}" if k in lat else "–"
            L.append(f"| `{n}` | {v.get('events_per_s', 0):,.0f} | {f('p50_ms')} | {f('p90_ms')} | {f('p99_ms')} | "
                     f"{f('p999_ms')} | {f('max_ms')} | {v.get('errors', 0)} / {v.get('shed', 0)} | {cpu} |")
        L += ["", "![throughput and latency](bench/results/bench.png)", "", END]
        path = os.path.join(ROOT, "BENCHMARKS.md")
        text = open(path).read()
        block = "\n".join(L)
        if BEGIN in text and END in text:
            text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
        else:
            text = text.rstrip() + "\n\n## Load generator ratios (issue 6)\n\n" + block + "\n"
        with open(path, "w") as f:
            f.write(text)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "8")))
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--skip-normalize", action="store_true")
    p.add_argument("--report-only", action="store_true",
                   help="rewrite ratios, plot and BENCHMARKS.md from bench/results/bench.json without running")
    args = p.parse_args()
    bench = Bench(args)
    start = time.time()
    try:
        if args.report_only:
            with open(os.path.join(RESULTS, "bench.json")) as f:
                saved = json.load(f)
            bench.scenarios, meta = saved["scenarios"], saved["meta"]
            bench.run_date = meta["date"]
            args.seconds, args.concurrency = meta["seconds_per_scenario"], meta["concurrency"]
            bench.payload_bytes, bench.ingest_rss = meta["stored_event_bytes"], meta["ingest_rss"]
            bench.half_rate = int(bench.scenarios["unary"]["rate"] * 0.5)
            bench.e2e_half_rate = int(bench.scenarios["e2e_sat"]["rate"] * 0.5)
        else:
            bench.run()
        bench.write()
    finally:
        bench.stack.stop_all()
    log(f"done in {time.time() - start:.0f} s; BENCHMARKS.md and bench/results/ rewritten")
    for r in bench.ratios():
        log(f"{r['id']:22s} {r['value']:10.3f}  target {r['target']:8s} {'-' if r['met'] is None else ('met' if r['met'] else 'NOT MET')}")


if __name__ == "__main__":
    main()
