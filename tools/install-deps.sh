#!/usr/bin/env bash
# Installs every Debian 12 package omnigate needs to build, test and run.
# Packages already present are skipped, so a warm machine pays nothing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config ninja-build
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libhiredis-dev libre2-dev tzdata prometheus-cpp-dev libyaml-cpp-dev rapidjson-dev
  libboost-dev libssl-dev
  libcurl4-openssl-dev  # the sender's HTTP client
  liblua5.1-0-dev  # FakeRedis runs the Lua scripts in unit tests
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  redis-server redis-tools
  curl python3 openssl
  util-linux  # taskset: make bench and the overload test pin load and server apart
  # Operations checks (deploy/tests): promtool + prometheus, the stack test's
  # YAML, and node/npm for the Kubernetes schema validation (npm ci in
  # deploy/tools). kubectl (kustomize) is not in Debian 12; see below.
  prometheus python3-yaml
  gnuplot-nox
  # The web chat browser test (tests/browser): Debian's chromium, driven
  # headless by puppeteer-core (npm ci below; it never downloads a browser).
  chromium
)
# Installed only when the command is missing: a machine may already have
# node and npm from elsewhere (e.g. a newer nodejs that bundles npm), and the
# Debian npm package would conflict with it.
COMMAND_PACKAGES=(node:nodejs npm:npm)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

for entry in "${COMMAND_PACKAGES[@]}"; do
  command -v "${entry%%:*}" >/dev/null 2>&1 || missing+=("${entry#*:}")
done
if ! command -v kubectl >/dev/null 2>&1; then
  # kubectl is not packaged in Debian 12; install it from the Kubernetes apt
  # repository (see docs/operations.md) or put the binary on PATH.
  echo "install-deps: kubectl not found: the Kubernetes manifest check (ctest -L ops) needs it" >&2
fi

# The browser test's npm packages, exactly as tests/browser/package-lock.json
# pins them; skipped when already installed from the same lockfile.
install_browser_test_packages() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/browser"
  if [[ -f "$dir/node_modules/.package-lock.json" && \
        "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: npm missing: the browser test (tests/browser) will be skipped" >&2
    return 0
  fi
  echo "install-deps: npm ci in tests/browser"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  install_browser_test_packages
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root or install them" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The Debian redis-server package starts a system instance on :6379; omnigate
# starts its own on chosen ports, so the system one is stopped to free the port.
# The same holds for the Debian prometheus package (a system instance on :9090);
# the ops tests start their own on a free port.
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now redis-server >/dev/null 2>&1 || true
  systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
install_browser_test_packages
