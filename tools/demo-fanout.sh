#!/usr/bin/env bash
# Walks one WhatsApp conversation through the local stack (make run): the
# customer asks a FAQ question, the chatbot answers, the customer asks for a
# human, the conversation is handed off and an agent is assigned. Shows the
# log lines and omnigatectl views of each step.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/build/bin"
RUN_DIR="$PWD/.run"
SECRET="${WA_APP_SECRET:-dev-meta-app-secret}"
REDIS_URL="${OMNIGATE_REDIS_URL:-redis://127.0.0.1:6390}"
CUSTOMER="6281200$(date +%s | tail -c 6)"
CONVERSATION="whatsapp:100000000000001:$CUSTOMER"
CTL=("$BIN/omnigatectl" --redis "$REDIS_URL" --dispatcher 127.0.0.1:7100 --partitions 16)

post() {  # message id, text
  local body sig
  body=$(printf '{"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"12025550100","phone_number_id":"100000000000001"},"contacts":[{"profile":{"name":"Dewi"},"wa_id":"%s"}],"messages":[{"from":"%s","id":"%s","timestamp":"%s","type":"text","text":{"body":"%s"}}]}}]}]}' \
    "$CUSTOMER" "$CUSTOMER" "$1" "$(date +%s)" "$2")
  sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')
  printf 'webhook %-28s -> ' "\"$2\""
  curl -sS -X POST http://127.0.0.1:8080/webhooks/wa-main -H 'Content-Type: application/json' \
    -H "X-Hub-Signature-256: sha256=$sig" -d "$body"
  echo
}

wait_for() {  # description, command...
  local what=$1; shift
  for _ in $(seq 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "demo: timed out waiting for $what (see $RUN_DIR/*.log)" >&2
  return 1
}

replies() { "${CTL[@]}" outbound --conversation "$CONVERSATION" --count 10; }
answered() { replies | grep -q ROLE_BOT; }
assigned() { "${CTL[@]}" conversation get "$CONVERSATION" | grep -q '"agent_id"'; }

echo "== demo conversation $CONVERSATION"
post "wamid.demo.$CUSTOMER.1" "What are your opening hours?"
wait_for "the bot's answer" answered
echo "-- chatbot answer (omnigatectl outbound):"
replies
post "wamid.demo.$CUSTOMER.2" "I want to talk to a human please"
wait_for "the agent assignment" assigned
echo "-- conversation state (omnigatectl conversation get):"
"${CTL[@]}" conversation get "$CONVERSATION"
echo "-- the conversation stream: messages and lifecycle events (omnigatectl tail):"
"${CTL[@]}" tail --conversation "$CONVERSATION" --count 10
echo "-- logs:"
grep -h -E "handoff|conversation mode|assigned" "$RUN_DIR"/chatbot.log "$RUN_DIR"/dispatcher.log \
  "$RUN_DIR"/agent-router.log | tail -n 6
