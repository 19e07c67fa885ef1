#!/usr/bin/env bash
# The Grafana dashboard: generated from deploy/grafana/generate.py (stale JSON
# fails), importable shape, the rows the operators rely on, every metric it
# queries listed in deploy/metrics.md. Its queries are run against a live
# Prometheus by ops_stack.py prometheus.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 deploy/grafana/generate.py --check
python3 - <<'PY'
import json, re, sys
d = json.load(open("deploy/grafana/omnigate.json"))
problems = []
for key in ("uid", "title", "panels", "templating", "schemaVersion"):
    if key not in d: problems.append(f"missing {key}")
ids = [p["id"] for p in d["panels"]]
if len(ids) != len(set(ids)): problems.append("duplicate panel ids")
rows = [p["title"] for p in d["panels"] if p["type"] == "row"]
need = ["Ingest by channel and connector", "Duplicates and rejects", "Queue depth and lag per partition",
        "Delivery per sink", "Retries and dead letters", "Redis health", "Handoffs", "Agent queue and wait",
        "Replies (omnigate-sender)", "Process CPU and memory"]
for n in need:
    if not any(r.startswith(n) for r in rows): problems.append(f"row missing: {n}")
ds = [v for v in d["templating"]["list"] if v["type"] == "datasource" and v["query"] == "prometheus"]
if not ds: problems.append("no Prometheus datasource variable")
catalogue = open("deploy/metrics.md").read()
used = set()
for p in d["panels"]:
    for t in p.get("targets", []):
        for m in re.findall(r"\bomnigate_[a-z_]+", t["expr"]):
            used.add(re.sub(r"_(bucket|sum|count)$", "", m))
for m in sorted(used):
    if f"`{m}`" not in catalogue: problems.append(f"{m} used by the dashboard but not in deploy/metrics.md")
for p in problems: print("FAIL", p, file=sys.stderr)
if problems: sys.exit(1)
print(f"dashboard: {len(d['panels'])} panels in {len(rows)} rows, {len(used)} metric families, all catalogued")
PY
echo "check-dashboard: ok"
