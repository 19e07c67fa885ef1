#!/usr/bin/env python3
"""Writes deploy/grafana/omnigate.json, the omnigate Grafana dashboard.

The dashboard is generated so every panel follows the same conventions (the
datasource variable, $__rate_interval, units, legends); edit this file, run it,
commit both. deploy/tests/check-dashboard.sh fails when the JSON is stale, and
deploy/tests/prometheus_stack_test.py runs every query against a live stack.

  python3 deploy/grafana/generate.py            # rewrite omnigate.json
  python3 deploy/grafana/generate.py --check    # exit 1 if omnigate.json differs
"""
import json
import os
import sys

DS = {"type": "prometheus", "uid": "${datasource}"}
ERROR_OUTCOMES = "unauthorized|forbidden|malformed|not_found|too_large|unavailable|shed"
RI = "$__rate_interval"

# Panel tags read by the stack test (deploy/tests/prometheus_stack_test.py);
# Grafana only shows them. "core": every query must return series under load;
# "nonzero": and at least one value above zero.
CORE = "core"
NONZERO = "nonzero"


def target(expr, legend, ref):
    return {"datasource": DS, "expr": expr, "legendFormat": legend, "refId": ref, "range": True}


def panel(title, exprs, unit="short", description="", core=False, nonzero=False, stack=False, kind="timeseries"):
    """exprs: list of (expr, legend)."""
    p = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": [target(e, l, chr(ord("A") + i)) for i, (e, l) in enumerate(exprs)],
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                           "stacking": {"mode": "normal" if stack else "none", "group": "A"}},
            },
            "overrides": [],
        },
        "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max"]},
                    "tooltip": {"mode": "multi", "sort": "desc"}},
    }
    if kind == "stat":
        p["fieldConfig"]["defaults"].pop("custom")
        p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "value", "graphMode": "area", "textMode": "auto"}
    if core or nonzero:
        p["tags"] = [CORE] + ([NONZERO] if nonzero else [])
    return p


def quantiles(metric, by, qs=(0.5, 0.9, 0.99), selector=""):
    legend_by = " ".join("{{%s}}" % b for b in by.split(", ")) if by else ""
    group = f"le, {by}" if by else "le"
    return [(f"histogram_quantile({q}, sum by ({group}) (rate({metric}_bucket{selector}[{RI}])))",
             f"p{int(q * 100)} {legend_by}".strip()) for q in qs]


# Customer-experience panels look back over a fixed hour: a conversation
# cycle takes minutes to hours and there are far fewer of them than events,
# so a rate over $__rate_interval would be mostly empty or one sample.
CX_WINDOW = "1h"
CX_CHANNEL = '{channel=~"$channel"}'


def cx_quantiles(metric, by, qs):
    return [(f"histogram_quantile({q}, sum by (le, {by}) (rate({metric}_bucket{CX_CHANNEL}[{CX_WINDOW}])))",
             f"p{int(q * 100)} {{{{{by}}}}}") for q in qs]


def csat_count(score):
    """Ratings of exactly `score` in the window: bucket le=score minus le=score-1. `le` is matched as "N"
    or "N.0" (Prometheus 3 writes classic bucket bounds as floats)."""
    def bucket(n):
        return f'sum(increase(omnigate_cx_csat_score_bucket{{channel=~"$channel",le=~"{n}|{n}.0"}}[{CX_WINDOW}]))'
    return bucket(score) if score == 1 else f"{bucket(score)} - {bucket(score - 1)}"


# The stack check (ops_stack.py prometheus) plays FAQ questions, requests for
# a human (assigned agents) and conversations the bot resolves and the
# customers rate, so those panels are "core". Not core: the agent's first
# response (the run sends no agent reply) and reopened conversations.
CX_ROW = ("Customer experience", [
    panel("First response p50/p90 by channel",
          cx_quantiles("omnigate_cx_first_response_seconds", "channel", (0.5, 0.9)),
          unit="s", core=True,
          description="Customer message opening a conversation to the first reply (bot or agent) the provider "
                      "accepted, over the last hour. Alert OmnigateFirstResponseSlaBreached: p90 per priority "
                      "above its target (urgent 1m, high 5m, normal 15m, low 1h) for 10 minutes."),
    panel("Agent first response p90 by channel",
          cx_quantiles("omnigate_cx_agent_first_response_seconds", "channel", (0.9,)),
          unit="s", description="Handoff to the first agent reply the provider accepted, over the last hour."),
    panel("Queue wait p90 (handoff to agent assigned)",
          cx_quantiles("omnigate_cx_queue_wait_seconds", "channel", (0.9,)),
          unit="s", core=True, description="Handoff to an agent assigned by Conversations.Assign, over the last hour."),
    panel("Resolution time p50/p90",
          cx_quantiles("omnigate_cx_resolution_seconds", "resolved_by", (0.5, 0.9)),
          unit="s", core=True, description="Conversation opened to resolved, by who resolved it (bot: idle time or the customer "
                                "confirmed; agent), over the last hour."),
    panel("Bot containment rate",
          [(f'sum(rate(omnigate_cx_conversations_resolved_total{{channel=~"$channel",resolved_by="bot"}}[{CX_WINDOW}])) / '
            f"sum(rate(omnigate_cx_conversations_resolved_total{CX_CHANNEL}[{CX_WINDOW}]))", "resolved by the bot")],
          unit="percentunit",
          core=True, description="Share of the conversations resolved in the last hour that the bot resolved without an agent."),
    panel("CSAT average",
          [(f"sum(rate(omnigate_cx_csat_score_sum{CX_CHANNEL}[{CX_WINDOW}])) / "
            f"sum(rate(omnigate_cx_csat_score_count{CX_CHANNEL}[{CX_WINDOW}]))", "average (1-5)")],
          core=True, description="Average of the customers' 1-5 ratings in the last hour. Alert OmnigateCsatLow: below 3 over "
                      "an hour with at least 10 ratings."),
    panel("CSAT distribution",
          [(csat_count(n), f"{n} ⭐") for n in range(1, 6)],
          stack=True, core=True, description="Ratings in the last hour, by score."),
    panel("CSAT surveys and ratings",
          [(f"sum(increase(omnigate_cx_csat_surveys_total{CX_CHANNEL}[{CX_WINDOW}]))", "questions sent"),
           (f"sum(increase(omnigate_cx_csat_score_count{CX_CHANNEL}[{CX_WINDOW}]))", "ratings received")],
          core=True, description="CSAT questions sent after a resolve and ratings received in the last hour (response rate = "
                      "ratings / questions)."),
    panel("First-response SLA breaches by priority",
          [(f"sum by (priority) (increase(omnigate_cx_sla_breaches_total[{CX_WINDOW}]))", "{{priority}}")],
          stack=True,
          core=True, description="First replies in the last hour later than cx.first_response_sla.<priority> (defaults urgent "
                      "1m, high 5m, normal 15m, low 1h). Not split by channel."),
    panel("Conversations opened and reopened",
          [(f"sum by (channel) (increase(omnigate_cx_conversations_opened_total{CX_CHANNEL}[{CX_WINDOW}]))",
            "opened {{channel}}"),
           (f"sum by (channel) (increase(omnigate_cx_reopened_total{CX_CHANNEL}[{CX_WINDOW}]))",
            "reopened {{channel}}")],
          description="Conversation cycles opened in the last hour; reopened: the customer wrote again after a "
                      "resolve."),
])

WEBCHAT_ROW = ("Web chat widget", [
    panel("Web chat visitors connected",
          [('sum by (transport) (omnigate_webchat_sessions_connected)', "{{transport}}")],
          stack=True,
          description="Widget visitors connected to ingest now: authenticated WebSockets and long-polls waiting."),
    panel("Web chat messages in and out",
          [(f"sum by (direction) (rate(omnigate_webchat_messages_total[{RI}]))", "{{direction}}")],
          unit="ops",
          description="in: visitor messages acknowledged (durable, repeats excluded); out: replies stored for "
                      "visitors (from omnigate-sender's web chat adapter)."),
    panel("Web chat refusals and socket errors",
          [(f"sum by (reason) (rate(omnigate_webchat_refusals_total[{RI}]))", "refused {{reason}}"),
           (f"sum by (reason) (rate(omnigate_webchat_socket_errors_total[{RI}]))", "socket {{reason}}")],
          unit="ops",
          description="Browser calls refused before anything was stored (origin, token, rate_limited, too_large, "
                      "...) and WebSockets refused or ended by an error."),
])

ROWS = [
    CX_ROW,
    ("Ingest by channel and connector", [
        panel("Events ingested by channel",
              [(f'sum by (channel) (rate(omnigate_ingest_events_total{{channel=~"$channel"}}[{RI}]))', "{{channel}}")],
              unit="ops", nonzero=True, stack=True,
              description="Events normalized and queued per second (duplicates excluded)."),
        panel("Requests by connector and outcome",
              [(f"sum by (connector, outcome) (rate(omnigate_ingest_requests_total[{RI}]))", "{{connector}} {{outcome}}")],
              unit="reqps", nonzero=True,
              description="Webhook and gRPC requests; outcome is accepted, duplicate, unauthorized, malformed, ..."),
        panel("Request errors by connector",
              [(f'sum by (connector, outcome) (rate(omnigate_ingest_requests_total{{outcome=~"{ERROR_OUTCOMES}"}}[{RI}]))',
                "{{connector}} {{outcome}}")],
              unit="reqps", description="Refused or failed requests (4xx/5xx on webhooks, error codes on gRPC)."),
        panel("Error ratio by connector",
              [(f'sum by (connector) (rate(omnigate_ingest_requests_total{{outcome=~"{ERROR_OUTCOMES}"}}[{RI}])) / '
                f"sum by (connector) (rate(omnigate_ingest_requests_total[{RI}]))", "{{connector}}")],
              unit="percentunit", description="Alert OmnigateIngestErrorRatioHigh fires above 5% for 10 minutes."),
        panel("Ingest latency by transport",
              quantiles("omnigate_ingest_request_duration_seconds", "transport"),
              unit="s", core=True,
              description="Request received to answer (after the Redis write). Alert: p99 above 250ms."),
        panel("Ingest in-flight requests and 503s",
              [("sum by (instance) (omnigate_ingest_in_flight_requests)", "in flight {{instance}}"),
               (f'sum by (connector) (rate(omnigate_ingest_requests_total{{outcome=~"unavailable|shed"}}[{RI}]))',
                "503/unavailable {{connector}}"),
               ("max by (instance) (omnigate_ingest_http_loop_lag_seconds) * 1000",
                "HTTP loop lag ms {{instance}}")],
              description="503s mean Redis unavailable or load shed (alert OmnigateIngestUnavailable); "
                          "webhooks are shed while the HTTP loop lag is over ingest.max_loop_lag."),
    ]),
    ("Duplicates and rejects", [
        panel("Duplicates suppressed by channel",
              [(f'sum by (channel) (rate(omnigate_ingest_duplicates_total{{channel=~"$channel"}}[{RI}]))', "{{channel}}")],
              unit="ops", nonzero=True, description="Redelivered webhooks acknowledged without queuing twice."),
        panel("Rejects by channel and reason",
              [(f'sum by (channel, reason) (rate(omnigate_ingest_rejects_total{{channel=~"$channel"}}[{RI}]))',
                "{{channel}} {{reason}}")],
              unit="ops", nonzero=True,
              description="Signature, schema and size failures; malformed requests are kept in omnigate:quarantine."),
    ]),
    ("Queue depth and lag per partition", [
        panel("Stream depth per partition",
              [("max by (partition) (omnigate_stream_depth)", "p{{partition}}")],
              nonzero=True, stack=True, description="XLEN of each partition stream (capped by ingest.stream_max_len)."),
        panel("Lag per partition and sink",
              [('max by (partition, sink) (omnigate_dispatcher_partition_lag{sink=~"$sink"})', "p{{partition}} {{sink}}")],
              core=True, description="Entries not yet read by the sink's consumer group. Alert: OmnigateLagGrowing."),
        panel("Pending (read, not acknowledged) per partition and sink",
              [('max by (partition, sink) (omnigate_dispatcher_partition_pending{sink=~"$sink"})', "p{{partition}} {{sink}}")]),
        panel("Owned partitions and buffered events",
              [("sum by (instance) (omnigate_dispatcher_owned_partitions)", "owned {{instance}}"),
               ('sum by (sink) (omnigate_dispatcher_buffered_events{sink=~"$sink"})', "buffered {{sink}}"),
               ('sum by (sink) (omnigate_dispatcher_in_flight_calls{sink=~"$sink"})', "in-flight calls {{sink}}")],
              core=True, description="Every partition should be owned by exactly one dispatcher replica."),
        panel("Lease changes",
              [(f"sum by (change) (rate(omnigate_dispatcher_lease_changes_total[{RI}]))", "{{change}}")],
              unit="ops", description="Partition leases acquired, released, lost (lost: a replica missed its renewal)."),
    ]),
    ("Delivery per sink", [
        panel("Delivered events by sink",
              [(f'sum by (sink) (rate(omnigate_dispatcher_events_total{{outcome="delivered",sink=~"$sink"}}[{RI}]))', "{{sink}}")],
              unit="ops", nonzero=True, description="Events the sink acknowledged. Alert: OmnigateDeliveriesStalled."),
        panel("Deliver calls by sink and code",
              [(f'sum by (sink, code) (rate(omnigate_dispatcher_deliver_calls_total{{sink=~"$sink"}}[{RI}]))', "{{sink}} {{code}}")],
              unit="reqps", core=True),
        panel("Deliver errors by sink and code",
              [(f'sum by (sink, code) (rate(omnigate_dispatcher_deliver_calls_total{{code!="ok",sink=~"$sink"}}[{RI}]))',
                "dispatcher: {{sink}} {{code}}"),
               (f"sum by (code) (rate(omnigate_chatbot_deliver_errors_total[{RI}]))", "chatbot answered: {{code}}"),
               (f"sum by (code) (rate(omnigate_agent_router_deliver_errors_total[{RI}]))", "agent router answered: {{code}}")],
              unit="reqps", description="Failed Sink.Deliver calls as the dispatcher sees them and as each sink answered them."),
        panel("Delivery latency by sink (received to acknowledged)",
              quantiles("omnigate_dispatcher_delivery_latency_seconds", "sink", selector='{sink=~"$sink"}'),
              unit="s", core=True, description="From the event's arrival at ingest to the sink's OK. Alert: p99 above 2s."),
        panel("Deliver call duration by sink",
              quantiles("omnigate_dispatcher_deliver_call_seconds", "sink", qs=(0.5, 0.99), selector='{sink=~"$sink"}'),
              unit="s"),
        panel("Events per Deliver call",
              [(f'sum by (sink) (rate(omnigate_dispatcher_deliver_batch_events_sum{{sink=~"$sink"}}[{RI}])) / '
                f'sum by (sink) (rate(omnigate_dispatcher_deliver_batch_events_count{{sink=~"$sink"}}[{RI}]))', "{{sink}}")]),
    ]),
    ("Retries and dead letters", [
        panel("Retries by sink",
              [(f'sum by (sink) (rate(omnigate_dispatcher_retries_total{{sink=~"$sink"}}[{RI}]))', "{{sink}}")],
              unit="ops", core=True, description="Conversations put into backoff after a retryable failure."),
        panel("Dead letters by sink and code",
              [(f'sum by (sink, code) (increase(omnigate_dispatcher_dead_letters_total{{sink=~"$sink"}}[{RI}]))', "{{sink}} {{code}}")],
              core=True, description="Alert OmnigateDeadLettersGrowing. Inspect: omnigatectl dlq list; replay after the fix."),
        panel("Dead-letter stream depth per partition",
              [("max by (partition) (omnigate_dead_letter_depth)", "p{{partition}}")], core=True),
        panel("Redeliveries by sink",
              [(f'sum by (sink) (rate(omnigate_dispatcher_redeliveries_total{{sink=~"$sink"}}[{RI}]))', "{{sink}}")],
              unit="ops", description="Entries read again after a lease takeover or restart (sinks may see them twice)."),
    ]),
    ("Redis health", [
        panel("Redis reachable",
              [("min by (job, instance) (omnigate_redis_up)", "ingest {{instance}}"),
               ("min by (job, instance) (omnigate_dispatcher_ready)", "dispatcher {{instance}}")],
              core=True, kind="stat", description="1 = connected. Alert: OmnigateRedisDown."),
        panel("Redis round trip (ingest group commit)",
              quantiles("omnigate_redis_roundtrip_seconds", "", qs=(0.5, 0.99)), unit="s", core=True),
        panel("Commands per pipelined round trip",
              [(f"sum(rate(omnigate_redis_pipeline_commands_sum[{RI}])) / sum(rate(omnigate_redis_pipeline_commands_count[{RI}]))",
                "avg commands per round trip")]),
        panel("Redis errors and reconnect failures",
              [(f"sum by (instance) (rate(omnigate_dispatcher_redis_errors_total[{RI}]))", "dispatcher errors {{instance}}"),
               (f"sum by (instance) (rate(omnigate_redis_reconnect_failures_total[{RI}]))", "ingest reconnect failures {{instance}}")],
              unit="ops"),
        panel("Ready",
              [("min by (job) (omnigate_ready)", "{{job}}"), ("min by (job) (omnigate_dispatcher_ready)", "{{job}}"),
               ("min by (job) (omnigate_sender_ready)", "{{job}}"),
               ('min by (job) (up{job=~"omnigate-.*"})', "scraped {{job}}")],
              description="Readiness as the services report it, and whether Prometheus reaches them."),
    ]),
    ("Handoffs (chatbot)", [
        panel("Handoffs to agents by reason",
              [(f"sum by (reason) (increase(omnigate_chatbot_handoffs_total[{RI}]))", "{{reason}}")],
              nonzero=True, stack=True, description="customer_request: the customer asked for a human; unanswered: the bot gave up."),
        panel("Chatbot events by outcome",
              [(f"sum by (outcome) (rate(omnigate_chatbot_events_total[{RI}]))", "{{outcome}}")],
              unit="ops", core=True, stack=True),
        panel("Chatbot Deliver duration",
              quantiles("omnigate_chatbot_deliver_seconds", "", qs=(0.5, 0.99)), unit="s"),
    ]),
    ("Agent queue and wait", [
        panel("Conversations waiting for an agent",
              [("max(omnigate_agent_router_queue_length)", "queue length")], core=True),
        panel("Queue wait before assignment",
              quantiles("omnigate_agent_router_queue_wait_seconds", "", qs=(0.5, 0.9)), unit="s",
              description="Alert OmnigateAgentQueueWaitHigh: p90 above 5 minutes."),
        panel("Assignments by outcome",
              [(f"sum by (outcome) (increase(omnigate_agent_router_assignments_total[{RI}]))", "{{outcome}}")],
              core=True, stack=True),
        panel("Agents by presence and capacity used",
              [("max by (presence) (omnigate_agent_router_agents)", "{{presence}}"),
               ("max(omnigate_agent_router_capacity_used_ratio)", "capacity used (ratio)")], core=True),
        panel("Transfers, resolutions, malformed",
              [(f"sum by (outcome) (increase(omnigate_agent_router_transfers_total[{RI}]))", "transfer {{outcome}}"),
               (f"sum(increase(omnigate_agent_router_resolutions_total[{RI}]))", "resolutions"),
               (f"sum(increase(omnigate_agent_router_malformed_events_total[{RI}]))", "malformed events")]),
    ]),
    ("Replies (omnigate-sender)", [
        panel("Sends by outcome",
              [(f'sum by (outcome) (rate(omnigate_sender_sends_total{{connector=~"$connector"}}[{RI}]))', "{{outcome}}")],
              unit="reqps", nonzero=True, stack=True,
              description="Provider calls by how they ended: sent; throttled and transient (retried); permanent, "
                          "connector (credentials or account refused), policy (window or token refused); invalid: "
                          "refused before any call. Alert OmnigateSenderPermanentFailuresHigh."),
        panel("Send latency by connector",
              quantiles("omnigate_sender_send_seconds", "connector", qs=(0.5, 0.99), selector='{connector=~"$connector"}'),
              unit="s", core=True, description="One provider call, request to answer (the providers' own latency)."),
        panel("Throttle waits by scope",
              [(f'sum by (scope) (rate(omnigate_sender_throttle_waits_total{{connector=~"$connector"}}[{RI}]))', "{{scope}}")],
              unit="ops",
              description="Sends held back: rate_limit (the connector's shared send rate), connector or recipient "
                          "(a pause the provider asked for, or a paused connector). Nothing is dropped."),
        panel("Paused connectors",
              [('max by (connector) (omnigate_sender_connector_paused{connector=~"$connector"})', "{{connector}}")],
              core=True,
              description="1 while a connector is paused (provider throttle or refused credentials); its replies "
                          "wait. Alert OmnigateSenderConnectorPaused after 5 minutes."),
        panel("Outbound backlog",
              [("sum(max by (partition) (omnigate_sender_partition_lag))", "not yet read"),
               ("sum(max by (partition) (omnigate_sender_partition_pending))", "read, not finished")],
              core=True,
              description="Replies queued in omnigate:outbound:{p} and not sent yet, over all partitions "
                          "(series move with the leases). Alert OmnigateSenderBacklog."),
        panel("Outbound dead letters by code",
              [(f"sum by (code) (rate(omnigate_sender_dead_letters_total[{RI}]))", "{{code}}")],
              unit="ops",
              description="Replies moved to omnigate:dlq:outbound:{p}. Alert OmnigateSenderDeadLetters. Inspect: "
                          "omnigatectl --grpc_addr <sender>:7103 dlq list; replay after the fix."),
    ]),
    WEBCHAT_ROW,
    ("Process CPU and memory", [
        panel("CPU by service",
              [(f"sum by (job, instance) (rate(omnigate_process_cpu_seconds_total[{RI}]))", "{{job}} {{instance}}")],
              unit="percentunit", nonzero=True, description="Cores used (1.0 = one core)."),
        panel("Resident memory by service",
              [("sum by (job, instance) (omnigate_process_resident_memory_bytes)", "{{job}} {{instance}}")],
              unit="bytes", nonzero=True),
        panel("Threads and open file descriptors",
              [("sum by (job, instance) (omnigate_process_threads)", "threads {{job}} {{instance}}"),
               ("sum by (job, instance) (omnigate_process_open_fds)", "fds {{job}} {{instance}}")], core=True),
        panel("Uptime",
              [("time() - max by (job, instance) (omnigate_process_start_time_seconds)", "{{job}} {{instance}}")],
              unit="s", kind="stat"),
    ]),
]


def variable_query(name, label, metric):
    return {
        "name": name, "label": label, "type": "query", "datasource": DS,
        "query": {"query": f"label_values({metric}, {name})", "refId": f"{name}-values"},
        "definition": f"label_values({metric}, {name})",
        "refresh": 2, "multi": True, "includeAll": True, "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "sort": 1,
    }


def dashboard():
    panels, pid, y = [], 1, 0
    for title, row_panels in ROWS:
        panels.append({"type": "row", "title": title, "collapsed": False, "id": pid,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        pid += 1
        y += 1
        for i, p in enumerate(row_panels):
            p = dict(p)
            p["id"] = pid
            pid += 1
            p["gridPos"] = {"h": 8, "w": 8, "x": (i % 3) * 8, "y": y + (i // 3) * 8}
            panels.append(p)
        y += ((len(row_panels) + 2) // 3) * 8
    return {
        "uid": "omnigate-overview",
        "title": "omnigate",
        "description": "omnigate gateway: customer experience, ingest, queues, delivery, Redis, chatbot handoffs, agents, replies, processes. "
                       "Metric catalogue: deploy/metrics.md.",
        "tags": ["omnigate"],
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 38,
        "version": 1,
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "30s",
        "timezone": "utc",
        "annotations": {"list": []},
        "links": [],
        "templating": {"list": [
            {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
             "current": {}, "hide": 0, "refresh": 1, "regex": ""},
            variable_query("channel", "Channel", "omnigate_ingest_events_total"),
            variable_query("sink", "Sink", "omnigate_dispatcher_events_total"),
            variable_query("connector", "Connector", "omnigate_sender_sends_total"),
        ]},
        "panels": panels,
    }


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "omnigate.json")
    text = json.dumps(dashboard(), indent=2, sort_keys=False) + "\n"
    if "--check" in sys.argv:
        with open(path) as f:
            if f.read() != text:
                print(f"{path} is stale: run python3 deploy/grafana/generate.py", file=sys.stderr)
                return 1
        return 0
    with open(path, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
