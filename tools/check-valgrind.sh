#!/usr/bin/env bash
# make check-valgrind: every unit suite, then one session of each program,
# under valgrind's memcheck: no invalid access, no use of uninitialised
# memory, no definite or indirect leak (each is an error: exit 99).
#   tools/check-valgrind.sh BIN-DIR TESTS-DIR
# The programs' session: bob and alice on 127.0.0.1 (signed, then an
# explicit-parameter handshake), mallory --decrypt on a recorded RSA key
# transport run with the leaked key, mitmlab judging and reporting a run
# directory (judge, replay's text report). Summary: "N passed, M failed",
# logs under $VG_OUT (default build/vg/logs).
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: tools/check-valgrind.sh BIN-DIR TESTS-DIR}
tests=${2:?usage: tools/check-valgrind.sh BIN-DIR TESTS-DIR}
out=${VG_OUT:-build/vg/logs}
rm -rf "$out" && mkdir -p "$out"
export MLAB_BIN=$PWD/$bin MLAB_SRC=$PWD

# Leaks that are not ours are not suppressed wholesale: only "possibly lost"
# and "still reachable" are left out (OpenSSL's and libc's caches at exit).
VG=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
	--errors-for-leak-kinds=definite,indirect --track-origins=yes --child-silent-after-fork=yes
	--suppressions=tests/valgrind.supp)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok    $1"; }
ko() {
	fail=$((fail + 1))
	echo "  FAIL  $1 (log: $2)"
	grep -m 20 -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|.*definitely|.*indirectly|  (at|by) )' "$2" |
		sed 's/^/        /'
}

# 1. The unit suites, two at a time (the machine's cores).
units=$(ls tests/unit/test_*.c | sed 's|.*/||; s|\.c$||')
run_unit() {
	local t=$1 tests=$2 out=$3
	shift 3
	if "$@" --log-file="$out/$t.vg" "$tests/$t" >"$out/$t.out" 2>&1; then
		echo "ok $t"
	else
		echo "FAIL $t $?"
	fi
}
export -f run_unit
echo "valgrind: $(echo "$units" | wc -w) unit suites"
while read -r status t rc; do
	if [ "$status" = ok ]; then ok "$t"; else ko "$t (exit $rc)" "$out/$t.vg"; fi
done < <(echo "$units" | xargs -P 2 -I{} bash -c 'run_unit "$@"' _ {} "$tests" "$out" "${VG[@]}")

# 2. One session of each program.
port=$((20000 + RANDOM % 20000))
vg_prog() { # NAME LOG COMMAND...: the program under valgrind, its exit status kept
	local name=$1 log=$2
	shift 2
	"${VG[@]}" --log-file="$log" "$@" >"$out/$name.out" 2>&1
}
session() { # NAME BOB-ARGS -- ALICE-ARGS
	local name=$1 bargs=() aargs=()
	shift
	while [ "$1" != -- ]; do bargs+=("$1"); shift; done
	shift
	aargs=("$@")
	vg_prog "$name-bob" "$out/$name-bob.vg" "$bin/bob" --listen "127.0.0.1:$port" --max-conns 1 \
		"${bargs[@]}" &
	local bpid=$!
	# bob under valgrind takes seconds to listen: wait for the socket (a
	# probe connection would count against --max-conns).
	local i arc=1
	for i in $(seq 1 120); do
		ss -Hltn "sport = :$port" | grep -q . && break
		kill -0 "$bpid" 2>/dev/null || break
		sleep 0.25
	done
	vg_prog "$name-alice" "$out/$name-alice.vg" "$bin/alice" --connect "127.0.0.1:$port" "${aargs[@]}" && arc=0 || arc=$?
	local brc=0
	wait "$bpid" || brc=$?
	[ "$arc" -eq 0 ] && ok "$name: alice" || ko "$name: alice (exit $arc)" "$out/$name-alice.vg"
	[ "$brc" -eq 0 ] && ok "$name: bob" || ko "$name: bob (exit $brc)" "$out/$name-bob.vg"
	port=$((port + 1))
}
keys=$bin/keys
session signed --auth sign --key "$keys/bob.key" --reply "hello alice" -- \
	--auth sign --peer-key "$keys/bob.pub" --send "hello bob" --send "a second message"
session explicit --groups explicit --explicit-from ffdhe2048 -- --groups explicit --send "p and g on the wire"

# mallory and mitmlab on a run recorded without valgrind: RSA key transport
# (lesson 40), whose capture opens with bob's leaked key.
run=$out/run-40
if "$bin/mitmlab" run 40 --headless --out "$run" >"$out/run-40.out" 2>&1; then
	if vg_prog mallory "$out/mallory.vg" "$bin/mallory" --decrypt "$run/wire.pcap" --key "$keys/bob-rsa.key" &&
		grep -q "transfer\|hello" "$out/mallory.out"; then
		ok "mallory --decrypt (lesson 40's capture, leaked key)"
	else
		ko "mallory --decrypt" "$out/mallory.vg"
	fi
	if vg_prog mitmlab-judge "$out/mitmlab-judge.vg" "$bin/mitmlab" judge "$run"; then
		ok "mitmlab judge (lesson 40's run directory)"
	else
		ko "mitmlab judge" "$out/mitmlab-judge.vg"
	fi
	if vg_prog mitmlab-replay "$out/mitmlab-replay.vg" "$bin/mitmlab" replay "$run" </dev/null &&
		grep -q VERDICT "$out/mitmlab-replay.out"; then
		ok "mitmlab replay (text report)"
	else
		ko "mitmlab replay" "$out/mitmlab-replay.vg"
	fi
else
	ko "mitmlab run 40 (the recording for mallory and mitmlab)" "$out/run-40.out"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
