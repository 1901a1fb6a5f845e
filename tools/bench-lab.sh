#!/usr/bin/env bash
# Lab timings (make bench): `mitmlab run 01-baseline --headless`, start to
# verdict, 10 times; and the network alone (build, release) from each run's
# events. Prints medians; asserts nothing.
set -euo pipefail
bin=${MLAB_BIN:-bin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }
for i in $(seq 10); do
	start=$(date +%s.%N)
	"$bin/mitmlab" run 01-baseline --headless --out "$work/r$i" >/dev/null
	end=$(date +%s.%N)
	echo "$start $end" | awk '{printf "%.1f\n", ($2-$1)*1000}' >>"$work/total"
	sed -n 's/.*"event":"network-ready".*"ms":\([0-9.]*\).*/\1/p' "$work/r$i/events.jsonl" >>"$work/build"
	sed -n 's/.*"event":"run-end".*"net_release_ms":\([0-9.]*\).*/\1/p' "$work/r$i/events.jsonl" >>"$work/release"
done
echo "lab, 01-baseline (n=10):"
printf '  run start to verdict (whole command)  median %8.1f ms\n' "$(median <"$work/total")"
printf '  network build (userns, 2 hosts + switch, bridge, veths, addresses)  median %6.2f ms\n' "$(median <"$work/build")"
printf '  network release (closing our hold; the kernel frees the rest)  median %6.2f ms\n' "$(median <"$work/release")"
