#!/usr/bin/env bash
# make soak: `mitmlab check` of the whole catalog ROUNDS times in a row
# (default 20), serially and with --jobs JOBS (default: the cores), as the
# current user and, when that is root, as an unprivileged user (nobody) from
# an installed copy of the tree — the rootless lab a trainee gets. Flake-free
# means every round of every series passes.
#   tools/soak.sh [--rounds N] [--jobs N] [--user NAME] [--keep]
# Per series it prints the rounds passed, the wall times (median, min, max)
# and each failed scenario with its run directory (kept; passed rounds are
# deleted unless --keep). Last line: "N passed, M failed" over all rounds.
set -uo pipefail
cd "$(dirname "$0")/.."
rounds=20 jobs=$(nproc) user=nobody keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--user) user=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	-h | --help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "soak: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
make -s all >/dev/null || exit 1
work=$(mktemp -d /tmp/mitmlab-soak.XXXXXX)
chmod 1777 "$work" # the unprivileged series writes its run directories here too
total_pass=0 total_fail=0

# series LABEL MITMLAB [RUNNER...] -- CHECK-ARGS...
series() {
	local label=$1 mitmlab=$2 runner=() args=() times=() failed=() ok=0
	shift 2
	while [ "$1" != -- ]; do runner+=("$1"); shift; done
	shift
	args=("$@")
	for i in $(seq 1 "$rounds"); do
		local out=$work/$label-$i t0 t1 rc=0
		t0=$(date +%s.%N)
		"${runner[@]}" "$mitmlab" check "${args[@]}" --out "$out" >"$work/$label-$i.log" 2>&1 || rc=$?
		t1=$(date +%s.%N)
		times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')")
		if [ "$rc" -eq 0 ] && tail -1 "$work/$label-$i.log" | grep -q ' 0 failed$'; then
			ok=$((ok + 1))
			[ "$keep" -eq 1 ] || rm -rf "$out"
		else
			failed+=("round $i: $(grep '^FAIL' "$work/$label-$i.log" | cut -c1-160 | tr '\n' ';') (exit $rc, $out)")
		fi
	done
	local sorted
	sorted=$(printf '%s\n' "${times[@]}" | sort -n)
	printf '%-28s %2d/%d rounds passed   wall median %6.1f s  min %6.1f  max %6.1f   (%s)\n' "$label" "$ok" \
		"$rounds" "$(echo "$sorted" | sed -n "$(((rounds + 1) / 2))p")" "$(echo "$sorted" | head -1)" \
		"$(echo "$sorted" | tail -1)" "$(tail -1 "$work/$label-1.log")"
	for f in "${failed[@]}"; do echo "    FAIL $f"; done
	total_pass=$((total_pass + ok))
	total_fail=$((total_fail + rounds - ok))
}

echo "soak: $rounds rounds of mitmlab check per series, --jobs $jobs for the parallel ones; logs in $work"
me=$(id -un)
series "$me serial" "$PWD/bin/mitmlab" -- --jobs 1
series "$me --jobs $jobs" "$PWD/bin/mitmlab" -- --jobs "$jobs"
if [ "$(id -u)" -eq 0 ]; then
	# An installed copy the unprivileged user owns (its keys are 0600, as
	# they would be in a trainee's own build).
	inst=$work/install
	# (Not into Wireshark's plugin folder: WIRESHARK_LUA_DIR empty.)
	make -s install PREFIX="$inst" WIRESHARK_LUA_DIR= >/dev/null && chown -R "$user:" "$inst" || {
		echo "soak: cannot install a copy for $user" >&2
		exit 1
	}
	as=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups env -u XDG_RUNTIME_DIR HOME="$work")
	series "$user serial" "$inst/bin/mitmlab" "${as[@]}" -- --jobs 1
	series "$user --jobs $jobs" "$inst/bin/mitmlab" "${as[@]}" -- --jobs "$jobs"
else
	echo "soak: not root: the root series were not run (run make soak as root for them too)"
fi
if [ "$total_fail" -eq 0 ] && [ "$keep" -eq 0 ]; then rm -rf "$work"; fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
