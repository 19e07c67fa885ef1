#!/usr/bin/env python3
"""Redis CPU per stored event: ingest's enqueue script against a bare XADD.

Starts a private redis-server, loads ingest's real enqueue script
(lib/queue/enqueue_script.h with history_append of lib/queue/history_entry.h)
and pipes N events of 300 bytes through `redis-cli --pipe` (client work not
counted), measuring redis-server's own CPU (INFO CPU, user + sys) per event:

  xadd        bare pipelined XADD of the same payload: the floor of any store
  floor       the script for an event that is not a customer's message, no
              history: dedupe marker + mode lookup + XADD (the guarantees)
  customer    a customer's message: + timeline, messaging window, retention
  history     a customer's message with history: + the conversation's list

each with B events per script call for every B of --batch (ingest folds a
flush's events of one partition into one call: B=1 is an idle ingest, 16 a
busy one). The events go to 4 partitions and C conversations.

  python3 tools/enqueue_cost.py [--events 160000] [--conversations 1000] [--batch 1,16,64]
"""
import argparse

from redis_measure import Server, cli, enqueue_script


def script_calls(sha, events, convs, batch, kind, customer, payload):
    """Calls in the layout of enqueue_script.h, `batch` events of one partition per call."""
    partitions = 4
    pending = {p: [] for p in range(partitions)}
    for i in range(events):
        pending[i % partitions].append(i)
    for p, ids in pending.items():
        for first in range(0, len(ids), batch):
            keys = [f"omnigate:stream:{{{p}}}", f"omnigate:dedupe:{{{p}}}"]
            argv = [86400, 1000000, 2592000000, 2000 if kind == "h" else 0, 7776000000, 259200000,
                    f"omnigate:outstatus:{{{p}}}:"]
            for i in ids[first:first + batch]:
                c = i % convs
                state = f"omnigate:conv:{{{p}}}:c{c}"
                keys += [state, f"omnigate:history:{{{p}}}:c{c}" if kind == "h" else state, state]
                argv += [kind, f"wamid.{i:012d}", payload, 1700000000000 + i if customer else 0, "628123456789",
                         "wa-main", "", 1700000000000 + i]
            yield ["EVALSHA", sha, len(keys), *keys, *argv]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=160000)
    ap.add_argument("--conversations", type=int, default=1000)
    ap.add_argument("--batch", default="1,16,64")
    args = ap.parse_args()
    server = Server()
    try:
        sha = cli(server.port, "SCRIPT", "LOAD", enqueue_script()).strip()
        payload = b"x" * 300
        n = args.events
        xadd = server.pipe(["XADD", f"omnigate:stream:{{{i % 4}}}", "MAXLEN", "~", 1000000, "*", "event", payload]
                           for i in range(n)) * 1e6 / n
        print(f"{n} events of 300 bytes, {args.conversations} conversations: redis-server CPU per event")
        print(f"  {'xadd':<9} {xadd:6.2f} us")
        for batch in (int(b) for b in args.batch.split(",")):
            row = []
            for name, kind, customer in (("floor", "n", False), ("customer", "n", True),
                                         ("history", "h", True)):
                used = server.pipe(script_calls(sha, n, args.conversations, batch, kind, customer, payload)) * 1e6 / n
                row.append(f"{name} {used:6.2f} us ({used / xadd:4.1f}x)")
            print(f"  batch {batch:>3}: " + ", ".join(row))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
