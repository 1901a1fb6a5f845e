#!/usr/bin/env bash
# The default demo: bob and alice run a signed Diffie-Hellman exchange on
# loopback (127.0.0.1) and exchange two messages. Until the lab network lands
# this is the default scenario; nothing leaves this machine.
set -euo pipefail
bin=${MLAB_BIN:-bin}
work=$(mktemp -d)
bob_pid=
cleanup() {
	[ -n "$bob_pid" ] && kill "$bob_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

"$bin/bob" --listen 127.0.0.1:0 --auth sign --key "$bin/keys/bob.key" --max-conns 1 \
	--events 3 3>"$work/bob.events" &
bob_pid=$!
# Ready when bob says so (his "listening" event carries the port).
port=
for _ in $(seq 100); do
	port=$(sed -n 's/.*"event": *"listening".*"port": *\([0-9]*\).*/\1/p' "$work/bob.events")
	[ -n "$port" ] && break
	kill -0 "$bob_pid" 2>/dev/null || { echo "demo: bob did not start" >&2; exit 1; }
	sleep 0.05
done
[ -n "$port" ] || { echo "demo: bob did not report a port" >&2; exit 1; }

"$bin/alice" --connect "127.0.0.1:$port" --auth sign --peer-key "$bin/keys/bob.pub" \
	--send "hello bob" --send "transfer 100 to carol"
wait "$bob_pid"
bob_pid=
echo
echo "demo: both sides show the same session key id: no one stood in the middle."
