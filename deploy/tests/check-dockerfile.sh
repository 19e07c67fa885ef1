#!/usr/bin/env bash
# There is no Docker engine here, so the Dockerfile is not built; this lints
# what must hold by construction: Debian 12 stages, a build stage that runs the
# unit tests, a runtime stage with only binaries and their libraries, a
# non-root numeric USER matching the pods' runAsUser, every service binary, and
# a .dockerignore that keeps build output and node_modules out of the context.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 - <<'PY'
import re, sys
text = open("Dockerfile").read()
# Join continuation lines, drop comments.
lines = [l for l in re.sub(r"\\\n", " ", text).splitlines() if l.strip() and not l.lstrip().startswith("#")]
problems = []
args = {m.group(1): m.group(2) for m in (re.match(r"ARG (\w+)=(\S+)", l) for l in lines) if m}
stages = []
for l in lines:
    m = re.match(r"FROM (\S+)(?: AS (\w+))?", l, re.I)
    if m:
        image = re.sub(r"\$\{(\w+)\}", lambda v: args.get(v.group(1), v.group(0)), m.group(1))
        stages.append({"image": image, "name": m.group(2), "lines": []})
    elif stages:
        stages[-1]["lines"].append(l)
if len(stages) < 2: problems.append("must be multi-stage (build + runtime)")
for s in stages:
    if not re.fullmatch(r"debian:(12|bookworm)(-slim)?", s["image"]):
        problems.append(f"stage {s['name']}: base image {s['image']} is not Debian 12")
build = next((s for s in stages if s["name"] == "build"), None)
runtime = stages[-1] if stages else None
if not build: problems.append("no stage named build")
else:
    body = "\n".join(build["lines"])
    if "cmake --build" not in body: problems.append("build stage does not build")
    if not re.search(r"ctest\b[^\n]*-L unit", body): problems.append("build stage does not run the unit tests")
if runtime:
    body = "\n".join(runtime["lines"])
    users = [l.split()[1] for l in runtime["lines"] if l.startswith("USER ")]
    if not users: problems.append("runtime stage has no USER")
    elif re.match(r"(0|root)(:|$)", users[-1]) or not re.match(r"\d+(:\d+)?$", users[-1]):
        problems.append(f"USER {users[-1]} must be a numeric non-root uid (runAsNonRoot needs a number)")
    elif users[-1].split(":")[0] != "10001":
        problems.append("USER must be 10001, the runAsUser of k8s/base")
    if re.search(r"build-essential|-dev\b|cmake|ninja", body): problems.append("runtime stage installs build tools")
    copies = [l for l in runtime["lines"] if l.startswith("COPY")]
    if any("--from=build" not in c for c in copies): problems.append("runtime stage copies from outside the build stage")
    for b in ["omnigate-ingest", "omnigate-dispatcher", "omnigate-chatbot", "omnigate-agent-router", "omnigatectl"]:
        if b not in text: problems.append(f"binary {b} not in the image")
ignore = open(".dockerignore").read().split()
for must in ["build", ".git", "**/node_modules"]:
    if must not in ignore: problems.append(f".dockerignore must exclude {must}")
# The manifests run binaries from where the image puts them.
import glob
for f in glob.glob("k8s/base/*.yaml"):
    for b in re.findall(r'command: \["(/[^"]+)"\]', open(f).read()):
        if not b.startswith("/usr/local/bin/omnigate"): problems.append(f"{f}: command {b} not in /usr/local/bin")
for p in problems: print("FAIL", p, file=sys.stderr)
if problems: sys.exit(1)
print(f"Dockerfile: {len(stages)} stages ({', '.join(s['name'] or '?' for s in stages)}), non-root USER, unit tests in build")
PY
if command -v hadolint >/dev/null 2>&1; then hadolint Dockerfile; fi
echo "check-dockerfile: ok"
