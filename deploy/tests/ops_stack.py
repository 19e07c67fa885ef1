#!/usr/bin/env python3
"""Starts a real omnigate stack on loopback and checks its observability.

  ops_stack.py --bin build/bin metrics      promtool check metrics on every service's /metrics
  ops_stack.py --bin build/bin prometheus   a real Prometheus scrapes the stack under load; every
                                            dashboard query and alert expression is evaluated

The services run with the Kubernetes ConfigMap's own config (rendered with
`kubectl kustomize k8s/overlays/dev`) and the dev Secret's values as
environment, so this also proves the ConfigMap parses and works; only Redis,
the peers' addresses and the WhatsApp send API (omnigate-fakeprovider, so the
sender really sends the chatbot's replies) are pointed at loopback through
${ENV} overrides.
Everything listens on 127.0.0.1 on free ports; every child is killed on exit.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RATE_WINDOW = "30s"  # replaces $__rate_interval (Prometheus scrapes every 1s here)
LINT_ALLOW = os.path.join(os.path.dirname(__file__), "metrics-lint-allowed.txt")
# prometheus-cpp's HTTP exposer adds these three about itself to every
# /metrics; they cannot be renamed or switched off without replacing the
# exposer (see deploy/metrics.md). Any other family must start omnigate_.
EXPOSER_FAMILIES = {"exposer_transferred_bytes_total", "exposer_scrapes_total", "exposer_request_latencies"}

children = []
problems = []


def log(msg):
    print(f"[ops-stack] {msg}", flush=True)


def fail(msg):
    problems.append(msg)
    print(f"FAIL {msg}", flush=True)


def reserve_port(port):
    """Reserves `port` for 10 minutes against the other test processes (tests/support/redis_server.cc)."""
    directory = "/tmp/omnigate-test-ports"
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, str(port))
    try:
        if time.time() - os.stat(path).st_mtime < 600:
            return False
        os.unlink(path)
    except FileNotFoundError:
        pass
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        return True
    except FileExistsError:
        return False


def free_port():
    """A port below Linux's ephemeral range (32768-60999), where no other test's outgoing connection can take
    it between this check and the server's bind (ports from bind(0) can be taken so)."""
    for _ in range(200):
        port = random.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        if reserve_port(port):
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(name, argv, workdir, env=None):
    logf = open(os.path.join(workdir, f"{name}.log"), "wb")
    p = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, env=env, cwd=workdir,
                         start_new_session=True)
    children.append((name, p))
    return p


def stop_all():
    for name, p in reversed(children):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.time() + 15
    for name, p in reversed(children):
        try:
            p.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def http_get(url, timeout=2):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def wait_until(what, fn, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if fn():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def whatsapp_text(customer, msg_id, text):
    """A WhatsApp Cloud API webhook body with one text message from `customer`."""
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "200000000000001", "changes": [
        {"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "12025550100", "phone_number_id": "100000000000001"},
            "contacts": [{"profile": {"name": "Ops"}, "wa_id": customer}],
            "messages": [{"from": customer, "id": msg_id, "timestamp": str(int(time.time())),
                          "type": "text", "text": {"body": text}}]}}]}]}, separators=(",", ":")).encode()


def render_dev_overlay():
    out = subprocess.run(["kubectl", "kustomize", os.path.join(ROOT, "k8s/overlays/dev")],
                         check=True, capture_output=True, text=True).stdout
    docs = [d for d in yaml.safe_load_all(out) if d]
    cm = next(d for d in docs if d["kind"] == "ConfigMap" and "omnigate.yaml" in d.get("data", {}))
    secret = next(d for d in docs if d["kind"] == "Secret" and d["metadata"]["name"].startswith("omnigate-secrets"))
    env = {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
    env.update(secret.get("stringData", {}) or {})
    # Per binary: seconds between SIGTERM and SIGKILL in the pod
    # (terminationGracePeriodSeconds minus the preStop sleep).
    budgets = {}
    for d in docs:
        if d["kind"] != "Deployment":
            continue
        spec = d["spec"]["template"]["spec"]
        c = spec["containers"][0]
        pre = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        sleep = float(pre[1]) if len(pre) == 2 and pre[0].endswith("sleep") else 0.0
        budgets[os.path.basename(c["command"][0])] = spec.get("terminationGracePeriodSeconds", 30) - sleep
    return cm["data"], env, budgets


class Stack:
    def __init__(self, bindir, workdir):
        self.bin = bindir
        self.dir = workdir
        self.ports = {k: free_port() for k in (
            "redis", "ingest_http", "ingest_grpc", "ingest_metrics", "dispatcher_grpc", "dispatcher_metrics",
            "chatbot_grpc", "chatbot_metrics", "agent_router_grpc", "agent_router_metrics", "sender_grpc",
            "sender_metrics", "fake_provider", "prometheus")}

    def metrics_targets(self):
        p = self.ports
        return {"omnigate-ingest": p["ingest_metrics"], "omnigate-dispatcher": p["dispatcher_metrics"],
                "omnigate-chatbot": p["chatbot_metrics"], "omnigate-agent-router": p["agent_router_metrics"],
                "omnigate-sender": p["sender_metrics"]}

    def start(self):
        p = self.ports
        files, secret_env, self.budgets = render_dev_overlay()
        confdir = os.path.join(self.dir, "etc-omnigate")
        os.makedirs(confdir)
        for name, text in files.items():
            with open(os.path.join(confdir, name), "w") as f:
                f.write(text)
        self.secret = secret_env["WA_APP_SECRET"]
        env = dict(os.environ)
        env.update(secret_env)
        env.update({
            "OMNIGATE_REDIS_URL": f"redis://127.0.0.1:{p['redis']}",
            "OMNIGATE_CHATBOT_ADDR": f"127.0.0.1:{p['chatbot_grpc']}",
            "OMNIGATE_AGENT_ROUTER_ADDR": f"127.0.0.1:{p['agent_router_grpc']}",
            "OMNIGATE_CONVERSATIONS_ADDR": f"127.0.0.1:{p['dispatcher_grpc']}",
            "WA_API_BASE_URL": f"http://127.0.0.1:{p['fake_provider']}/whatsapp",
        })
        config = os.path.join(confdir, "omnigate.yaml")
        os.makedirs(os.path.join(self.dir, "redis"))
        spawn("redis", ["redis-server", "--port", str(p["redis"]), "--bind", "127.0.0.1", "--dir",
                        os.path.join(self.dir, "redis"), "--save", "", "--appendonly", "no"], self.dir)
        wait_until("redis", lambda: subprocess.run(["redis-cli", "-p", str(p["redis"]), "ping"],
                                                   capture_output=True).stdout.strip() == b"PONG")
        b = lambda name: os.path.join(self.bin, name)
        spawn("ingest", [b("omnigate-ingest"), "--config", config,
                         "--http_addr", f"127.0.0.1:{p['ingest_http']}", "--grpc_addr", f"127.0.0.1:{p['ingest_grpc']}",
                         "--metrics_addr", f"127.0.0.1:{p['ingest_metrics']}"], self.dir, env)
        spawn("dispatcher", [b("omnigate-dispatcher"), "--config", config, "--instance_id", "ops-test-1",
                             "--grpc_addr", f"127.0.0.1:{p['dispatcher_grpc']}",
                             "--metrics_addr", f"127.0.0.1:{p['dispatcher_metrics']}"], self.dir, env)
        spawn("chatbot", [b("omnigate-chatbot"), "--config", config, "--faq", os.path.join(confdir, "faq.yaml"),
                          "--grpc_addr", f"127.0.0.1:{p['chatbot_grpc']}",
                          "--metrics_addr", f"127.0.0.1:{p['chatbot_metrics']}"], self.dir, env)
        spawn("agent-router", [b("omnigate-agent-router"), "--config", config,
                               "--agents", os.path.join(confdir, "agents.yaml"),
                               "--grpc_addr", f"127.0.0.1:{p['agent_router_grpc']}",
                               "--metrics_addr", f"127.0.0.1:{p['agent_router_metrics']}"], self.dir, env)
        spawn("fake-provider", [b("omnigate-fakeprovider"), "--addr", f"127.0.0.1:{p['fake_provider']}"],
              self.dir)
        spawn("sender", [b("omnigate-sender"), "--config", config, "--instance_id", "ops-sender-1",
                         "--grpc_addr", f"127.0.0.1:{p['sender_grpc']}",
                         "--metrics_addr", f"127.0.0.1:{p['sender_metrics']}"], self.dir, env)
        wait_until("ingest /readyz",
                   lambda: http_get(f"http://127.0.0.1:{p['ingest_http']}/readyz")[0] == 200)
        for job, port in self.metrics_targets().items():
            wait_until(f"{job} /metrics", lambda port=port: http_get(f"http://127.0.0.1:{port}/metrics")[0] == 200)
        for name, proc in children:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.dir}/{name}.log")
        log("stack up: " + ", ".join(f"{k}={v}" for k, v in p.items()))

    # A small load: FAQ questions (bot answers), requests for a human
    # (handoff, agent assignment), redeliveries (duplicates) and bad
    # signatures (rejects), spread over about `seconds`.
    def load(self, total=300, seconds=8.0):
        conn = http.client.HTTPConnection("127.0.0.1", self.ports["ingest_http"], timeout=10)
        run = str(int(time.time() * 1000))
        codes, dups, previous = {}, 0, None
        texts = ["What are your opening hours?", "How much is shipping?", "I want to talk to a human please",
                 "Where is my order?"]
        start = time.time()
        for i in range(total):
            customer = str(6281200000000 + (i % 60))
            msg_id = f"wamid.ops.{run}.{i}"
            body = whatsapp_text(customer, msg_id, texts[(i // 60) % len(texts)])
            secret = self.secret if i % 25 else "wrong-secret"  # every 25th has a bad signature
            sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            if i % 15 == 14 and previous:  # a channel redelivering the previous webhook as it was
                body, sig = previous
            previous = (body, sig)
            conn.request("POST", "/webhooks/wa-main", body=body,
                         headers={"Content-Type": "application/json", "X-Hub-Signature-256": sig})
            r = conn.getresponse()
            answer = r.read()
            codes[r.status] = codes.get(r.status, 0) + 1
            if r.status == 200:
                dups += json.loads(answer).get("duplicates", 0)
            lag = start + seconds * (i + 1) / total - time.time()
            if lag > 0:
                time.sleep(lag)
        log(f"load: {total} webhooks in {time.time() - start:.1f}s, answers {codes}, duplicates {dups}")
        if codes.get(200, 0) < total * 0.9:
            fail(f"load: too few 200 answers: {codes}")


    def post_text(self, conn, customer, msg_id, text):
        body = whatsapp_text(customer, msg_id, text)
        sig = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        conn.request("POST", "/webhooks/wa-main", body=body,
                     headers={"Content-Type": "application/json", "X-Hub-Signature-256": sig})
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            fail(f"conversation: webhook answered {r.status}")

    def chatbot_metric(self, name):
        status, text = http_get(f"http://127.0.0.1:{self.ports['chatbot_metrics']}/metrics")
        total = 0.0
        for line in (text.decode() if status == 200 else "").splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                total += float(line.rsplit(" ", 1)[1])
        return total

    # Conversations the bot resolves and the customers rate: the customer
    # asks, says it is solved (the bot resolves and asks for a rating), then
    # answers the CSAT question. Feeds the resolution, containment and CSAT
    # panels.
    # Two waves a few scrapes apart: rate() sees no increase in the scrape
    # that creates a series, only in later ones.
    def resolved_and_rated(self, waves=((5, 4), (5, 3, 5))):
        conn = http.client.HTTPConnection("127.0.0.1", self.ports["ingest_http"], timeout=10)
        run = str(int(time.time() * 1000))
        done = 0
        for w, ratings in enumerate(waves):
            customers = [str(6281300000000 + 10 * w + k) for k in range(len(ratings))]
            for k, customer in enumerate(customers):
                self.post_text(conn, customer, f"wamid.cx.{run}.{w}.{k}.q", "What are your opening hours?")
                self.post_text(conn, customer, f"wamid.cx.{run}.{w}.{k}.done", "thanks, that solved it")
            done += len(ratings)
            # The rating must answer the question: wait until it was asked.
            wait_until("CSAT questions",
                       lambda: self.chatbot_metric("omnigate_cx_csat_surveys_total") >= done)
            for k, customer in enumerate(customers):
                self.post_text(conn, customer, f"wamid.cx.{run}.{w}.{k}.rating", str(ratings[k]))
            wait_until("CSAT ratings", lambda: self.chatbot_metric("omnigate_cx_csat_score_count") >= done)
            time.sleep(2.5)
        log(f"conversations: {done} resolved by the bot and rated {[r for wave in waves for r in wave]}")


def check_metrics(stack):
    allowed = set()
    if os.path.exists(LINT_ALLOW):
        with open(LINT_ALLOW) as f:
            allowed = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    seen = set()
    for job, port in stack.metrics_targets().items():
        _, text = http_get(f"http://127.0.0.1:{port}/metrics")
        families = re.findall(rb"^# TYPE (\S+) ", text, re.M)
        bad = [f.decode() for f in families
               if not f.startswith(b"omnigate_") and f.decode() not in EXPOSER_FAMILIES]
        if bad:
            fail(f"{job}: families without the omnigate_ prefix: {bad}")
        r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True)
        out = (r.stdout + r.stderr).decode().strip()
        findings = [l.strip() for l in out.splitlines() if l.strip()]
        errors = [l for l in findings if l.startswith("error") or "error while linting" in l]
        if errors:
            fail(f"{job}: promtool could not parse /metrics: {errors}")
        for l in findings:
            if l in errors:
                continue
            seen.add(l)
            if l not in allowed:
                fail(f"{job}: new promtool lint finding (fix it or document it in {os.path.basename(LINT_ALLOW)}): {l}")
        log(f"{job}: {len(families)} families, promtool: {len(findings)} finding(s), exit {r.returncode}")
    for l in sorted(allowed - seen):
        log(f"note: allowed lint finding no longer reported (remove it from the list): {l}")


def check_drain(stack):
    """SIGTERM each service as Kubernetes would after preStop: it must exit 0
    within terminationGracePeriodSeconds - preStop of its Deployment."""
    order = ["ingest", "chatbot", "agent-router", "dispatcher", "sender"]
    binaries = {"ingest": "omnigate-ingest", "dispatcher": "omnigate-dispatcher", "chatbot": "omnigate-chatbot",
                "agent-router": "omnigate-agent-router", "sender": "omnigate-sender"}
    procs = dict(children)
    for name in order:
        p = procs[name]
        budget = stack.budgets[binaries[name]]
        t0 = time.time()
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            fail(f"drain: {name} still running {budget:.0f}s after SIGTERM (the pod would be killed)")
            continue
        took = time.time() - t0
        if rc != 0:
            fail(f"drain: {name} exited {rc} after SIGTERM")
        log(f"drain: {name} exited {rc} {took:.1f}s after SIGTERM (pod allows {budget:.0f}s)")


def prom_query(port, expr):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)


def grafana_to_promql(expr):
    return (expr.replace("$__rate_interval", RATE_WINDOW).replace("$__interval", RATE_WINDOW)
            .replace("${channel}", ".*").replace("$channel", ".*").replace("${sink}", ".*").replace("$sink", ".*")
            .replace("${connector}", ".*").replace("$connector", ".*"))


def has_value(result, nonzero):
    for s in result:
        v = float(s["value"][1])
        if v == v and (not nonzero or v > 0):  # v == v: not NaN
            return True
    return False


def check_prometheus(stack):
    port = stack.ports["prometheus"]
    rules_file = os.path.join(ROOT, "deploy/prometheus/rules/omnigate-alerts.yml")
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "900ms", "evaluation_interval": "1s"},
        "rule_files": [rules_file],
        "scrape_configs": [{"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{p}"]}]}
                           for job, p in stack.metrics_targets().items()],
    }
    cfg_path = os.path.join(stack.dir, "prometheus.yml")
    with open(cfg_path, "w") as f:
        yaml.safe_dump(config, f)
    spawn("prometheus", ["prometheus", f"--config.file={cfg_path}", f"--storage.tsdb.path={stack.dir}/tsdb",
                         f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h",
                         "--log.level=warn"], stack.dir)
    wait_until("prometheus ready", lambda: http_get(f"http://127.0.0.1:{port}/-/ready")[0] == 200)
    wait_until("every target scraped",
               lambda: len(prom_query(port, "up == 1")["data"]["result"]) == len(stack.metrics_targets()), timeout=20)
    stack.load()
    stack.resolved_and_rated()
    time.sleep(3)  # a few more scrapes after the last request

    with open(os.path.join(ROOT, "deploy/grafana/omnigate.json")) as f:
        dash = json.load(f)
    var_names = {v["name"] for v in dash["templating"]["list"]}
    if "datasource" not in var_names or not any(v["type"] == "datasource" and v["query"] == "prometheus"
                                                for v in dash["templating"]["list"]):
        fail("dashboard: no Prometheus datasource variable")
    for v in dash["templating"]["list"]:
        if v["type"] != "query":
            continue
        m = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", v["definition"])
        if not m:
            fail(f"dashboard variable {v['name']}: unsupported query {v['definition']}")
            continue
        res = prom_query(port, f"count by ({m.group(2)}) ({m.group(1)})")
        if res.get("status") != "success" or not res["data"]["result"]:
            fail(f"dashboard variable {v['name']}: {v['definition']} has no values")
    panels = [p for p in dash["panels"] if p["type"] != "row"]
    n_queries = n_core = 0
    for p in panels:
        if p.get("datasource", {}).get("uid") != "${datasource}":
            fail(f"panel '{p['title']}': datasource is not the $datasource variable")
        tags = p.get("tags", [])
        for t in p["targets"]:
            n_queries += 1
            if t.get("datasource", {}).get("uid") != "${datasource}":
                fail(f"panel '{p['title']}' {t['refId']}: datasource is not the $datasource variable")
            expr = grafana_to_promql(t["expr"])
            if "$" in expr:
                fail(f"panel '{p['title']}': unresolved variable in {expr}")
                continue
            res = prom_query(port, expr)
            if res.get("status") != "success":
                fail(f"panel '{p['title']}': {expr}: {res.get('error')}")
                continue
            if "core" in tags:
                n_core += 1
                if not has_value(res["data"]["result"], "nonzero" in tags):
                    fail(f"core panel '{p['title']}': {expr} returned {'no non-zero' if 'nonzero' in tags else 'no'} data")
    log(f"dashboard: {len(panels)} panels, {n_queries} queries evaluated, {n_core} core queries checked for data")

    with open(rules_file) as f:
        groups = yaml.safe_load(f)["groups"]
    rules = [r for g in groups for r in g["rules"]]
    # A healthy stack under load must not match these (their "for" aside).
    quiet = {"OmnigateRedisDown", "OmnigateTargetDown", "OmnigateDeliveriesStalled", "OmnigateIngestUnavailable",
             "OmnigateDeadLettersGrowing", "OmnigateSenderDown", "OmnigateSenderConnectorPaused",
             "OmnigateSenderDeadLetters", "OmnigateSenderPermanentFailuresHigh"}
    for r in rules:
        name = r.get("alert") or r.get("record")
        res = prom_query(port, r["expr"])
        if res.get("status") != "success":
            fail(f"rule {name}: {res.get('error')}")
        elif name in quiet and res["data"]["result"]:
            fail(f"rule {name} matches on a healthy stack: {res['data']['result']}")
    wait_until("rule evaluation", lambda: all(
        r.get("lastEvaluation", "0001").startswith("0001") is False
        for g in json.loads(http_get(f"http://127.0.0.1:{port}/api/v1/rules")[1])["data"]["groups"]
        for r in g["rules"]), timeout=10)
    loaded = json.loads(http_get(f"http://127.0.0.1:{port}/api/v1/rules")[1])["data"]["groups"]
    loaded_rules = [r for g in loaded for r in g["rules"]]
    if len(loaded_rules) != len(rules):
        fail(f"Prometheus loaded {len(loaded_rules)} rules, the file has {len(rules)}")
    for r in loaded_rules:
        if r.get("health") != "ok":
            fail(f"rule {r['name']}: health {r.get('health')}: {r.get('lastError')}")
    log(f"rules: {len(rules)} expressions evaluated, {len(loaded_rules)} loaded by Prometheus, all healthy"
        if not problems else f"rules: {len(rules)} expressions evaluated")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/bin"))
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("check", choices=["metrics", "prometheus"])
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = tempfile.mkdtemp(prefix=f"omnigate-ops-{args.check}-")
    started = time.time()
    try:
        stack = Stack(os.path.abspath(args.bin), workdir)
        stack.start()
        if args.check == "metrics":
            stack.load(total=60, seconds=1.0)
            time.sleep(0.5)
            check_metrics(stack)
            check_drain(stack)
        else:
            check_prometheus(stack)
    except Exception as e:  # setup failures are test failures, with the logs' place
        fail(f"{type(e).__name__}: {e} (logs in {workdir})")
        args.keep = True
    finally:
        stop_all()
        if not args.keep:
            subprocess.run(["rm", "-rf", workdir])
    log(f"{args.check}: {'FAILED' if problems else 'ok'} in {time.time() - started:.1f}s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
