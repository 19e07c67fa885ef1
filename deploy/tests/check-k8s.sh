#!/usr/bin/env bash
# Kubernetes manifests: kustomize builds base, dev and prod; every rendered
# object is validated against the Kubernetes OpenAPI schemas (npm
# kubernetes-models, @kubernetes-models/prometheus-operator for the
# ServiceMonitor) and checked for consistency (deploy/tools/validate-manifests.mjs).
# npm packages come from deploy/tools/package-lock.json (npm ci), installed
# once and again whenever the lockfile changes.
set -euo pipefail
cd "$(dirname "$0")/../.."
TOOLS=deploy/tools
stamp="$TOOLS/node_modules/.omnigate-lock.sha256"
want=$(sha256sum "$TOOLS/package-lock.json" | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  (cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
kubectl kustomize k8s/base >"$out/base.yaml"
kubectl kustomize k8s/overlays/dev >"$out/dev.yaml"
kubectl kustomize k8s/overlays/prod >"$out/prod.yaml"
for f in base dev prod; do echo "kustomize $f: $(grep -c '^kind:' "$out/$f.yaml") objects"; done
node "$TOOLS/validate-manifests.mjs" dev="$out/dev.yaml" prod="$out/prod.yaml"
echo "check-k8s: ok"
