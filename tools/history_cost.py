#!/usr/bin/env python3
"""Redis cost of the conversation history: CPU and memory per stored event.

Runs ingest's real enqueue script (lib/queue/enqueue_script.h, with the
history_append function of lib/queue/history_entry.h) on a private
redis-server, once without history (3 keys) and once with it (4 keys), for
N customer messages spread over C conversations, and reports redis-server's
own CPU time (INFO CPU, user + sys) per event and used_memory after the run.
The commands go through `redis-cli --pipe`, so client cost is not counted.

  python3 tools/history_cost.py [--events 200000] [--conversations 1000,200000]
"""
import argparse
import os
import re
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lua(path, name):
    text = open(os.path.join(ROOT, path)).read()
    m = re.search(name + r' = R"lua\((.*?)\)lua"', text, re.S)
    return m.group(1)


def resp(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += [b"$%d\r\n" % len(a), a, b"\r\n"]
    return b"".join(out)


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, check=True).stdout.decode()


def cpu(port):
    info = cli(port, "INFO", "CPU")
    return sum(float(v) for k, v in re.findall(r"(used_cpu_(?:user|sys)):([\d.]+)", info))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--conversations", default="1000,200000")
    args = ap.parse_args()
    script = lua("lib/queue/history_entry.h", "kHistoryAppendLua") + lua("lib/queue/enqueue_script.h",
                                                                          "kEnqueueScriptBody")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    work = tempfile.mkdtemp()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", work], stdout=subprocess.DEVNULL)
    try:
        for _ in range(50):
            try:
                cli(port, "PING")
                break
            except subprocess.CalledProcessError:
                time.sleep(0.1)
        sha = cli(port, "SCRIPT", "LOAD", script).strip()
        payload = b"x" * 300
        print(f"{args.events} customer messages of 300 bytes, redis-server CPU and memory")
        for convs in (int(c) for c in args.conversations.split(",")):
            for keys in (3, 4):
                path = os.path.join(work, "cmds.resp")
                with open(path, "wb") as f:
                    for i in range(args.events):
                        c = i % convs
                        k = [f"omnigate:dedupe:{{1}}:{i}", "omnigate:stream:{1}", f"omnigate:conv:{{1}}:c{c}"]
                        if keys == 4:
                            k.append(f"omnigate:history:{{1}}:c{c}")
                        f.write(resp(["EVALSHA", sha, keys, *k, 86400, 1000000, payload, 2592000000,
                                      1700000000000 + i, "628123", 2000 if keys == 4 else 0,
                                      7776000000 if keys == 4 else 0, "wa-main"]))
                cli(port, "FLUSHALL")
                before = cpu(port)
                with open(path, "rb") as f:
                    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=f, stdout=subprocess.DEVNULL,
                                   check=True)
                used = (cpu(port) - before) * 1e6 / args.events
                mem = int(re.search(r"used_memory:(\d+)", cli(port, "INFO", "memory")).group(1))
                print(f"  {convs:>7} conversations, history {'on ' if keys == 4 else 'off'}: "
                      f"{used:6.2f} us CPU/event, used_memory {mem / 1e6:7.1f} MB")
                os.remove(path)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
