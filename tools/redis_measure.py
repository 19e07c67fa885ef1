"""Helpers of the Redis cost tools: a private redis-server, RESP encoding, its own CPU time.

Used by tools/history_cost.py and tools/enqueue_cost.py.
"""
import os
import re
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lua(path, name):
    """The Lua of constant `name` (a raw string literal) in the C++ header `path` of the repository."""
    text = open(os.path.join(ROOT, path)).read()
    return re.search(name + r' = R"lua\((.*?)\)lua"', text, re.S).group(1)


def enqueue_script():
    """Ingest's enqueue script as Redis runs it: history_append, then the body."""
    return lua("lib/queue/history_entry.h", "kHistoryAppendLua") + lua("lib/queue/enqueue_script.h",
                                                                        "kEnqueueScriptBody")


def resp(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += [b"$%d\r\n" % len(a), a, b"\r\n"]
    return b"".join(out)


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, check=True).stdout.decode()


def cpu(port):
    """redis-server's own CPU seconds so far (INFO CPU, user + sys)."""
    info = cli(port, "INFO", "CPU")
    return sum(float(v) for _, v in re.findall(r"(used_cpu_(?:user|sys)):([\d.]+)", info))


class Server:
    """A private redis-server on a free loopback port, without persistence."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.work = tempfile.mkdtemp()
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save",
                                      "", "--appendonly", "no", "--dir", self.work], stdout=subprocess.DEVNULL)
        for _ in range(50):
            try:
                cli(self.port, "PING")
                return
            except subprocess.CalledProcessError:
                time.sleep(0.1)

    def pipe(self, commands):
        """Pipes `commands` through redis-cli --pipe after FLUSHALL; redis-server CPU seconds they took."""
        path = os.path.join(self.work, "cmds.resp")
        with open(path, "wb") as f:
            for c in commands:
                f.write(resp(c))
        cli(self.port, "FLUSHALL")
        before = cpu(self.port)
        with open(path, "rb") as f:
            subprocess.run(["redis-cli", "-p", str(self.port), "--pipe"], stdin=f, stdout=subprocess.DEVNULL,
                           check=True)
        os.remove(path)
        return cpu(self.port) - before

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
