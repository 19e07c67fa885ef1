#!/usr/bin/env bash
# Starts (or stops) a local omnigate stack on loopback: redis-server plus the
# services, in the background. State, logs and pids live in .run/.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR="$PWD/.run"
BIN="$PWD/build/bin"
REDIS_PORT="${OMNIGATE_LOCAL_REDIS_PORT:-6390}"
export OMNIGATE_REDIS_URL="redis://127.0.0.1:${REDIS_PORT}"
# Development secrets only; production takes them from a Secret.
export WA_APP_SECRET="${WA_APP_SECRET:-dev-meta-app-secret}"
export WA_VERIFY_TOKEN="${WA_VERIFY_TOKEN:-dev-verify-token}"

stop_all() {
  for pidfile in "$RUN_DIR"/*.pid; do
    [[ -e "$pidfile" ]] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
  done
}

wait_http() {  # url, name
  for _ in $(seq 100); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "run-local: $2 did not become ready; see $RUN_DIR/$2.log" >&2
  return 1
}

start_all() {
  mkdir -p "$RUN_DIR/redis"
  stop_all
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$RUN_DIR/redis" \
    --appendonly yes --appendfsync everysec --save "" --daemonize no \
    >"$RUN_DIR/redis.log" 2>&1 &
  echo $! >"$RUN_DIR/redis.pid"
  for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

  "$BIN/omnigate-ingest" --config deploy/local/omnigate.yaml \
    --http_addr 127.0.0.1:8080 --grpc_addr 127.0.0.1:7000 --metrics_addr 127.0.0.1:9100 \
    >"$RUN_DIR/ingest.log" 2>&1 &
  echo $! >"$RUN_DIR/ingest.pid"
  wait_http http://127.0.0.1:8080/readyz ingest

  "$BIN/omnigate-dispatcher" --config deploy/local/omnigate.yaml \
    --grpc_addr 127.0.0.1:7100 --metrics_addr 127.0.0.1:9103 --instance_id local-1 \
    >"$RUN_DIR/dispatcher.log" 2>&1 &
  echo $! >"$RUN_DIR/dispatcher.pid"

  "$BIN/omnigate-chatbot" --config deploy/local/omnigate.yaml \
    --grpc_addr 127.0.0.1:7101 --metrics_addr 127.0.0.1:9101 \
    >"$RUN_DIR/chatbot.log" 2>&1 &
  echo $! >"$RUN_DIR/chatbot.pid"

  "$BIN/omnigate-agent-router" --config deploy/local/omnigate.yaml \
    --grpc_addr 127.0.0.1:7102 --metrics_addr 127.0.0.1:9102 \
    >"$RUN_DIR/agent-router.log" 2>&1 &
  echo $! >"$RUN_DIR/agent-router.pid"

  cat <<MSG
omnigate is running (stop with: make stop)
  webhooks   POST http://127.0.0.1:8080/webhooks/wa-main   (WhatsApp; app secret \$WA_APP_SECRET=$WA_APP_SECRET)
  health     http://127.0.0.1:8080/healthz  http://127.0.0.1:8080/readyz
  gRPC       127.0.0.1:7000  (omnigate.v1.Ingest, health, reflection)
  metrics    ingest :9100, chatbot :9101, agent router :9102, dispatcher :9103 (http://127.0.0.1:PORT/metrics)
  dispatcher 127.0.0.1:7100  (omnigate.v1.Conversations, omnigate.v1.Admin)
  chatbot    127.0.0.1:7101  (omnigate.v1.Sink; FAQ deploy/local/faq.yaml)
  agents     127.0.0.1:7102  (omnigate.v1.Sink, omnigate.v1.Agents; deploy/local/agents.yaml)
  redis      redis-cli -p $REDIS_PORT
  logs       $RUN_DIR/*.log
  events     $BIN/omnigatectl --redis $OMNIGATE_REDIS_URL tail --count 10
  demo       bash tools/demo-fanout.sh   (a customer asks, the bot answers, then hands off to an agent)
MSG
  bash tools/demo-fanout.sh
}

case "${1:-start}" in
  start) start_all ;;
  stop) stop_all; echo "omnigate stopped" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
