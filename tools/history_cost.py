#!/usr/bin/env python3
"""Redis cost of the conversation history: CPU and memory per stored event.

Runs ingest's real enqueue script (lib/queue/enqueue_script.h, with the
history_append function of lib/queue/history_entry.h) on a private
redis-server, once without history and once with it, for
N customer messages spread over C conversations, B events per script call as
ingest folds them (--batch), and reports redis-server's
own CPU time (INFO CPU, user + sys) per event and used_memory after the run.
The commands go through `redis-cli --pipe`, so client cost is not counted.

  python3 tools/history_cost.py [--events 200000] [--conversations 1000,200000] [--batch 16]
"""
import argparse
import re

from redis_measure import Server, cli, enqueue_script


def calls(sha, events, convs, batch, history, payload):
    """Customer messages in the call layout of enqueue_script.h (the stream and the dedupe base, three keys
    per event; seven shared arguments, eight per event), `batch` per call."""
    for first in range(0, events, batch):
        keys = ["omnigate:stream:{1}", "omnigate:dedupe:{1}"]
        argv = [86400, 1000000, 2592000000, 2000 if history else 0, 7776000000, 259200000,
                "omnigate:outstatus:{1}:"]
        for i in range(first, min(first + batch, events)):
            c = i % convs
            state = f"omnigate:conv:{{1}}:c{c}"
            keys += [state, f"omnigate:history:{{1}}:c{c}" if history else state, state]
            argv += ["h" if history else "n", i, payload, 1700000000000 + i, "628123", "wa-main", "",
                     1700000000000 + i]
        yield ["EVALSHA", sha, len(keys), *keys, *argv]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--conversations", default="1000,200000")
    ap.add_argument("--batch", type=int, default=16, help="events per script call (ingest folds a flush's "
                    "events of one partition into one call)")
    args = ap.parse_args()
    server = Server()
    try:
        sha = cli(server.port, "SCRIPT", "LOAD", enqueue_script()).strip()
        payload = b"x" * 300
        print(f"{args.events} customer messages of 300 bytes, {args.batch} per script call, "
              "redis-server CPU and memory")
        for convs in (int(c) for c in args.conversations.split(",")):
            for history in (False, True):
                used = server.pipe(calls(sha, args.events, convs, args.batch, history, payload)) * 1e6 / args.events
                mem = int(re.search(r"used_memory:(\d+)", cli(server.port, "INFO", "memory")).group(1))
                print(f"  {convs:>7} conversations, history {'on ' if history else 'off'}: "
                      f"{used:6.2f} us CPU/event, used_memory {mem / 1e6:7.1f} MB")
        # The same number of bare XADDs of the same payload: the floor any store pays.
        used = server.pipe(["XADD", "omnigate:stream:{1}", "MAXLEN", "~", 1000000, "*", "event", payload]
                           for _ in range(args.events))
        print(f"  bare pipelined XADD: {used * 1e6 / args.events:6.2f} us CPU/event")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
