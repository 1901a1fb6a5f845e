#!/usr/bin/env bash
# The long fuzz run of issue 17: each harness until RUNS executions or SECONDS
# seconds, whichever comes first, one after another, then a table of
# executions, speed, edge coverage and crashes per harness.
#   tools/fuzz-campaign.sh [--runs N] [--seconds S] [--out DIR] [HARNESS...]
# HARNESS is a make fuzz-* name without the prefix (frames cert pcap wire tls
# mlkem scenario events stream tofu; default all). The corpora are make fuzz's
# (build/fuzz/corpus*), so a campaign grows the same corpora; crash, timeout
# and leak inputs go to DIR/artifacts, each harness's log to DIR/NAME.log.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=10000000 seconds=3600 out=build/fuzz/campaign
usage() { sed -n '2,9s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "fuzz-campaign: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) break ;;
	esac
done
all="frames cert pcap wire tls mlkem scenario events stream tofu"
[ $# -gt 0 ] || set -- $all

# name -> binary, corpus directory, max_len, seed directory (the same as the Makefile's targets)
spec() {
	case $1 in
	frames) echo "fuzz_frames corpus 8192 corpus_frames" ;;
	cert) echo "fuzz_cert corpus_cert 16384 corpus_cert" ;;
	pcap) echo "fuzz_pcap corpus_pcap 65536 corpus_pcap" ;;
	wire) echo "fuzz_wire_notes corpus_wire 16384 corpus_wire" ;;
	tls) echo "fuzz_tls_hello corpus_tls 4096 corpus_tls" ;;
	mlkem) echo "fuzz_mlkem corpus_mlkem 4096 corpus_mlkem" ;;
	scenario) echo "fuzz_scenario corpus_scenario 16384 corpus_scenario" ;;
	events) echo "fuzz_events corpus_events 65536 corpus_events" ;;
	stream) echo "fuzz_stream corpus_stream 16384 corpus_stream" ;;
	tofu) echo "fuzz_tofu corpus_tofu 4096 corpus_tofu" ;;
	*) echo "fuzz-campaign: no harness '$1' (one of: $all)" >&2; return 2 ;;
	esac
}

mkdir -p "$out/artifacts"
for h in "$@"; do
	read -r bin corpus maxlen seeds < <(spec "$h")
	make -s "build/fuzz/$bin" >/dev/null
done

printf '%-9s %12s %7s %9s %15s %8s\n' harness executions seconds exec/s "edges (of)" crashes
for h in "$@"; do
	read -r bin corpus maxlen seeds < <(spec "$h")
	mkdir -p "build/fuzz/$corpus"
	log=$out/$h.log
	start=$(date +%s)
	rc=0
	"build/fuzz/$bin" -runs="$runs" -max_total_time="$seconds" -max_len="$maxlen" \
		-artifact_prefix="$out/artifacts/$h-" -print_final_stats=1 \
		"build/fuzz/$corpus" "tests/fuzz/$seeds" >"$log" 2>&1 || rc=$?
	secs=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	total=$(sed -n 's/.*Loaded [0-9]* modules *(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log" | head -1)
	crashes=$(find "$out/artifacts" -name "$h-*" | wc -l)
	[ "$rc" -eq 0 ] || [ "$crashes" -gt 0 ] || crashes="rc=$rc"
	printf '%-9s %12s %7s %9s %15s %8s\n' "$h" "${execs:-?}" "$secs" \
		"$(( ${execs:-0} / (secs > 0 ? secs : 1) ))" "${cov:-?} (${total:-?})" "$crashes"
done
