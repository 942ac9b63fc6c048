#!/usr/bin/env bash
# Starts llama-server on the tiny random-weight GGUF, for trying synthgen by hand
# against a real server (the Go tests start their own). Builds the binary and the
# model first when needed (cached), waits for /health, prints the base URL, and
# keeps the server in the foreground until Ctrl-C.
#
#   bash interop/run-llama-server.sh [PORT]     # default port 8089
#   # then: base URL http://127.0.0.1:PORT/v1, model "tiny-qwen2"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
PORT="${1:-8089}"

BIN="${SYNTHGEN_LLAMA_SERVER:-$(bash "$here/build-llama-server.sh")}"
CACHE_DIR="$(dirname "$BIN")"
MODEL="${SYNTHGEN_TINY_GGUF:-$CACHE_DIR/tiny-qwen2.gguf}"
if [ ! -f "$MODEL" ]; then
  PY="${SYNTHGEN_PYTHON:-}"
  if [ -z "$PY" ]; then
    for p in python3 /usr/bin/python3; do
      if "$p" -c 'import numpy' >/dev/null 2>&1; then PY="$p"; break; fi
    done
  fi
  [ -n "$PY" ] || { echo "run-llama-server: no python3 with numpy" >&2; exit 1; }
  "$PY" "$here/make-tiny-gguf.py" "$MODEL.tmp" --llama-src "${SYNTHGEN_LLAMA_SRC:-$CACHE_DIR/src}" >/dev/null
  mv "$MODEL.tmp" "$MODEL"
fi

"$BIN" -m "$MODEL" --alias tiny-qwen2 --host 127.0.0.1 --port "$PORT" \
  --jinja -c 2048 -np 2 -n 64 -t 2 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 900); do
  if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
    echo "llama-server ready: http://127.0.0.1:$PORT/v1 (model tiny-qwen2, pid $pid)" >&2
    wait "$pid"
    exit $?
  fi
  kill -0 "$pid" 2>/dev/null || { echo "run-llama-server: llama-server exited" >&2; exit 1; }
  sleep 0.1
done
echo "run-llama-server: not healthy after 90s" >&2
exit 1
