#!/usr/bin/env bash
# Starts (or stops) a local omnigate stack on loopback: redis-server, the
# services and omnigate-fakeprovider (the channels' send APIs, printing each
# reply it receives), in the background. State, logs and pids live in .run/.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR="$PWD/.run"
BIN="$PWD/build/bin"
REDIS_PORT="${OMNIGATE_LOCAL_REDIS_PORT:-6390}"
# The fake provider's port; when it is taken, any free one (see start_fake_provider).
FAKE_PORT="${OMNIGATE_LOCAL_FAKE_PROVIDER_PORT:-8090}"
export OMNIGATE_REDIS_URL="redis://127.0.0.1:${REDIS_PORT}"
# Development secrets only; production takes them from a Secret.
export WA_APP_SECRET="${WA_APP_SECRET:-dev-meta-app-secret}"
export WA_VERIFY_TOKEN="${WA_VERIFY_TOKEN:-dev-verify-token}"
export WA_ACCESS_TOKEN="${WA_ACCESS_TOKEN:-dev-wa-access-token}"
CTL=("$BIN/omnigatectl" --redis "$OMNIGATE_REDIS_URL" --dispatcher 127.0.0.1:7100 --partitions 16)

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

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# omnigate-fakeprovider on $FAKE_PORT, or on a free port when that one is
# taken; exports OMNIGATE_FAKE_PROVIDER_URL, which deploy/local/omnigate.yaml
# puts in front of every connector's outbound.api_base_url.
start_fake_provider() {
  local port=$FAKE_PORT url=""
  if port_taken "$port"; then
    echo "run-local: port $port is taken; the fake provider takes a free one" >&2
    port=0
  fi
  "$BIN/omnigate-fakeprovider" --addr "127.0.0.1:$port" >"$RUN_DIR/fakeprovider.log" 2>&1 &
  echo $! >"$RUN_DIR/fakeprovider.pid"
  for _ in $(seq 100); do
    url=$(sed -n 's/^omnigate-fakeprovider listening on \([^ ]*\).*/\1/p' "$RUN_DIR/fakeprovider.log")
    [[ -n "$url" ]] && break
    sleep 0.1
  done
  if [[ -z "$url" ]]; then
    echo "run-local: fakeprovider did not start; see $RUN_DIR/fakeprovider.log" >&2
    return 1
  fi
  export OMNIGATE_FAKE_PROVIDER_URL="$url"
}

# One unary gRPC call from the shell, without grpcurl: protoc (a build
# dependency) encodes the text-format request, curl speaks HTTP/2 without TLS
# to the server, protoc decodes the answer. Prints the decoded answer; fails
# with the grpc-status and grpc-message when the call failed.
grpc_call() {  # host:port, package.Service/Method, request type, response type, request text
  local dir="$RUN_DIR/grpc" n status
  local protos=(proto/omnigate/v1/*.proto)
  mkdir -p "$dir"
  printf '%s\n' "$5" | protoc -I proto --encode="$3" "${protos[@]}" >"$dir/request.pb"
  n=$(stat -c %s "$dir/request.pb")
  {  # gRPC message framing: not compressed, 4-byte big-endian length, message
    printf '\x00'
    printf "$(printf '\\x%02x' $((n >> 24 & 255)) $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255)))"
    cat "$dir/request.pb"
  } >"$dir/request.bin"
  curl -sS --http2-prior-knowledge -X POST "http://$1/$2" -H 'content-type: application/grpc' \
    -H 'te: trailers' --data-binary @"$dir/request.bin" -D "$dir/headers" -o "$dir/response.bin"
  status=$(sed -n 's/^grpc-status: *\([0-9]*\).*/\1/ip' "$dir/headers" | tail -n 1)
  if [[ "$status" != "0" ]]; then
    echo "$2: grpc-status ${status:-?} $(sed -n 's/^grpc-message: *//ip' "$dir/headers" | tr -d '\r')" >&2
    return 1
  fi
  tail -c +6 "$dir/response.bin" | protoc -I proto --decode="$4" "${protos[@]}"
}

# After tools/demo-fanout.sh (the bot answered, an agent took the
# conversation): the agent answers through Outbound.Send on the sender, and
# the replies omnigate-sender delivered are shown as omnigate-fakeprovider
# printed them.
demo_delivery() {
  local conv customer agent text sent event_id
  conv=$(sed -n 's/^== demo conversation //p' "$RUN_DIR/demo.log" | tail -n 1)
  customer=${conv##*:}
  agent=$("${CTL[@]}" conversation get "$conv" | sed -n 's/.*"agent_id": *"\([^"]*\)".*/\1/p')
  agent=${agent:-ana}
  text="Hi, this is $agent from customer service: your order left our warehouse today."
  echo "-- agent $agent answers (Outbound.Send on the sender, 127.0.0.1:7103):"
  # recipient.id names the customer: the sender sends to it.
  if ! sent=$(grpc_call 127.0.0.1:7103 omnigate.v1.Outbound/Send omnigate.v1.SendRequest \
    omnigate.v1.SendResponse "event {
      channel: CHANNEL_WHATSAPP connector: \"wa-main\" account_id: \"100000000000001\"
      conversation_key: \"$conv\" idempotency_key: \"demo-agent-reply-$customer\"
      sender { id: \"$agent\" role: ROLE_AGENT } recipient { id: \"$customer\" }
      text { body: \"$text\" } }"); then
    echo "demo: Outbound.Send failed (see $RUN_DIR/sender.log)" >&2
    return 0
  fi
  echo "$sent"
  event_id=$(sed -n 's/^event_id: "\(.*\)"$/\1/p' <<<"$sent")
  for _ in $(seq 100); do
    grep -qF "${text:0:40}" "$RUN_DIR/fakeprovider.log" && break
    sleep 0.1
  done
  echo "-- replies delivered (omnigate-fakeprovider, $RUN_DIR/fakeprovider.log):"
  grep -F "$customer" "$RUN_DIR/fakeprovider.log" || echo "(none yet: see $RUN_DIR/sender.log)"
  echo "-- the agent's reply (Outbound.GetStatus):"
  grpc_call 127.0.0.1:7103 omnigate.v1.Outbound/GetStatus omnigate.v1.GetStatusRequest \
    omnigate.v1.GetStatusResponse "event_id: \"$event_id\"" || true
}

start_all() {
  mkdir -p "$RUN_DIR/redis"
  stop_all
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$RUN_DIR/redis" \
    --appendonly yes --appendfsync everysec --save "" --lazyfree-lazy-expire yes --daemonize no \
    >"$RUN_DIR/redis.log" 2>&1 &
  echo $! >"$RUN_DIR/redis.pid"
  for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

  start_fake_provider

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

  "$BIN/omnigate-sender" --config deploy/local/omnigate.yaml \
    --grpc_addr 127.0.0.1:7103 --metrics_addr 127.0.0.1:9104 --instance_id local-1 \
    >"$RUN_DIR/sender.log" 2>&1 &
  echo $! >"$RUN_DIR/sender.pid"

  # The web chat widget's demo page, for the first web chat connector.
  local webchat
  webchat=$(awk '/- name:/ {name = $3} /channel: *webchat/ {print name; exit}' deploy/local/omnigate.yaml)
  if [[ -n "$webchat" ]]; then
    webchat="http://127.0.0.1:8080/webchat/$webchat/demo  (the embeddable widget; open it in a browser)"
  else
    webchat="(no webchat connector in deploy/local/omnigate.yaml; see docs/channels.md, Web chat widget)"
  fi

  cat <<MSG
omnigate is running (stop with: make stop)
  webhooks   POST http://127.0.0.1:8080/webhooks/wa-main   (WhatsApp; app secret \$WA_APP_SECRET=$WA_APP_SECRET)
  health     http://127.0.0.1:8080/healthz  http://127.0.0.1:8080/readyz
  web chat   $webchat
  gRPC       127.0.0.1:7000  (omnigate.v1.Ingest, health, reflection)
  metrics    ingest :9100, chatbot :9101, agent router :9102, dispatcher :9103, sender :9104
             (http://127.0.0.1:PORT/metrics)
  dispatcher 127.0.0.1:7100  (omnigate.v1.Conversations, omnigate.v1.Admin, omnigate.v1.Outbound)
  chatbot    127.0.0.1:7101  (omnigate.v1.Sink; FAQ deploy/local/faq.yaml)
  agents     127.0.0.1:7102  (omnigate.v1.Sink, omnigate.v1.Agents; deploy/local/agents.yaml)
  sender     127.0.0.1:7103  (omnigate.v1.Outbound, omnigate.v1.Admin for outbound dead letters)
  provider   $OMNIGATE_FAKE_PROVIDER_URL  (omnigate-fakeprovider: every reply sent, one line each,
             in $RUN_DIR/fakeprovider.log)
  redis      redis-cli -p $REDIS_PORT
  logs       $RUN_DIR/*.log
  events     $BIN/omnigatectl --redis $OMNIGATE_REDIS_URL tail --count 10
  demo       bash tools/demo-fanout.sh   (a customer asks, the bot answers, then hands off to an agent)
MSG
  bash tools/demo-fanout.sh | tee "$RUN_DIR/demo.log"
  demo_delivery
}

case "${1:-start}" in
  start) start_all ;;
  stop) stop_all; echo "omnigate stopped" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
