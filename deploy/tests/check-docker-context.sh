#!/usr/bin/env bash
# Proves the Dockerfile's build stage works from the repository alone, without
# a container engine: copies exactly what its COPY instructions copy (and
# nothing else) into an empty directory, then runs its build commands there.
#
#   check-docker-context.sh           configure only (what CMake reads must be
#                                     in the context; seconds; in make test)
#   check-docker-context.sh --full    the stage's cmake build and ctest too
#                                     (a whole build; make test-docker)
set -euo pipefail
cd "$(dirname "$0")/../.."
mode="${1:-configure}"
work=$(mktemp -d /tmp/omnigate-docker-context-XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$mode" <<'PY'
import os, re, shutil, subprocess, sys
work, mode = sys.argv[1], sys.argv[2]
text = open("Dockerfile").read()
lines = [l.strip() for l in re.sub(r"\\\n", " ", text).splitlines()]
lines = [l for l in lines if l and not l.startswith("#")]
# The build stage: from "FROM ... AS build" to the next FROM.
start = next(i for i, l in enumerate(lines) if re.match(r"FROM \S+ AS build$", l, re.I))
end = next((i for i in range(start + 1, len(lines)) if lines[i].upper().startswith("FROM ")), len(lines))
stage = lines[start + 1:end]
args = {m.group(1): m.group(2) for m in (re.match(r"ARG (\w+)=(\S+)", l) for l in stage) if m}
copied = []
for l in stage:
    if not l.startswith("COPY ") or "--from" in l:
        continue
    parts = l.split()[1:]
    *sources, dest = parts
    for src in sources:
        if not os.path.exists(src):
            sys.exit(f"FAIL: COPY {src}: not in the repository")
        target = os.path.join(work, os.path.basename(src)) if dest in ("./", ".") else os.path.join(work, dest)
        if os.path.isdir(src):
            shutil.copytree(src, target, ignore=shutil.ignore_patterns("node_modules"))
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(src, target)
        copied.append(src)
runs = [l[4:] for l in stage if re.match(r"RUN (cmake|cd build)", l)]
if not runs:
    sys.exit("FAIL: the build stage runs no cmake")
if mode != "--full":
    # Only the configure step of the first command: it reads every CMakeLists
    # and every file they name.
    first = runs[0].split("&&")[0].strip()
    runs = [first]
env = dict(os.environ, **args)
print(f"context: {' '.join(copied)}")
for cmd in runs:
    cmd = re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), m.group(0)), cmd)
    print(f"+ {cmd}", flush=True)
    r = subprocess.run(["bash", "-c", cmd], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        print(r.stdout[-4000:])
        sys.exit(f"FAIL: '{cmd}' exited {r.returncode} in a directory holding only the Dockerfile's context")
print("docker context: ok")
PY
