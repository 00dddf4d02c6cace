#!/usr/bin/env bash
# A throwaway NATS server with JetStream for the tests (ctest fixture `nats`):
#
#   tests/stream/nats_server.sh start DIR   # nats-server -js on 127.0.0.1, a free port, storage in DIR/js
#   tests/stream/nats_server.sh stop DIR    # stop it and remove DIR
#
# The port is picked free at start and the URL written to DIR/url (and
# printed); the tests find it through TACIT_TEST_NATS, which names that file
# (or holds a nats:// URL itself). Loopback only, no authentication.
set -euo pipefail
cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
stop_server() {
  if [ -f "$dir/nats.pid" ]; then
    local pid
    pid="$(cat "$dir/nats.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
}
case "$cmd" in
  start)
    command -v nats-server >/dev/null || { echo "nats_server: no nats-server (scripts/setup.sh installs it)" >&2; exit 1; }
    stop_server
    rm -rf "$dir"
    mkdir -p "$dir/js"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    setsid nats-server -js -a 127.0.0.1 -p "$port" -sd "$dir/js" -l "$dir/nats.log" -P "$dir/nats.pid" \
      </dev/null >/dev/null 2>&1 &
    for _ in $(seq 100); do
      if grep -q "Server is ready" "$dir/nats.log" 2>/dev/null; then
        echo "nats://127.0.0.1:$port" >"$dir/url"
        cat "$dir/url"
        exit 0
      fi
      sleep 0.1
    done
    echo "nats_server: nats-server did not become ready; its log:" >&2
    cat "$dir/nats.log" >&2 2>/dev/null || true
    stop_server
    exit 1
    ;;
  stop)
    stop_server
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
