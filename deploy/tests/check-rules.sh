#!/usr/bin/env bash
# Alert rules and scrape configs, with promtool (Debian package prometheus):
# syntax and semantics of every rule, the rules' unit tests, the sample
# Prometheus config. Fails on the first problem.
set -euo pipefail
cd "$(dirname "$0")/../prometheus"
command -v promtool >/dev/null || { echo "promtool missing: run tools/install-deps.sh" >&2; exit 1; }
promtool check rules rules/omnigate-alerts.yml
promtool test rules tests/omnigate-alerts.test.yml
promtool check config prometheus.yml
# Debian's promtool has no Kubernetes service discovery: parse and inspect only.
python3 - <<'PY'
import yaml
cfg = yaml.safe_load(open("kubernetes-pods.yml"))
job = cfg["scrape_configs"][0]
assert job["job_name"] == "omnigate-pods", job["job_name"]
assert job["kubernetes_sd_configs"][0]["role"] == "pod"
targets = {r.get("target_label") for r in job["relabel_configs"]}
assert {"__address__", "__metrics_path__", "job"} <= targets, targets
print("kubernetes-pods.yml: parsed, pod role, job/address/path relabelled")
PY
# Every alert documented in the operations manual's alert table.
for alert in $(sed -n 's/^ *- alert: *//p' rules/omnigate-alerts.yml); do
  grep -q "$alert" ../../docs/operations.md || { echo "alert $alert is not described in docs/operations.md" >&2; exit 1; }
done
echo "check-rules: ok"
