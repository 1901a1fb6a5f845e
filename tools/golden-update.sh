#!/usr/bin/env bash
# Golden reports (tests/golden/README): record every catalog scenario and
# regenerate the expected reports that `make test` compares against.
#
#   tools/golden-update.sh                 run each lab-scenarios/NN-*.ini with
#                                          `mitmlab run --headless`, keep its
#                                          events.jsonl, render the expected files
#   tools/golden-update.sh --render-only   only re-render the expected files from
#                                          the recorded events (no lab run): after
#                                          a rendering change; review `git diff`
#
# Both rewrite tests/golden/TESTLIST. Recording checks that every run matched
# its scenario's expected verdict, and that the test program renders exactly
# the report.txt and report.json mitmlab itself wrote (but for the run
# directory, which the golden reports show as runs/golden).
set -euo pipefail

usage() {
	echo "usage: tools/golden-update.sh [--render-only]" >&2
	exit 2
}
render_only=0
case $# in
0) ;;
1) [ "$1" = --render-only ] && render_only=1 || usage ;;
*) usage ;;
esac

cd "$(dirname "$0")/.."
golden=tests/golden
# The cases shown in ASCII as well (REPORT_ASCII, `mitmlab replay --ascii`).
ascii_cases="02-sniff-plaintext-hub 06-dh-mitm 13-strip-auth"

make -j2 --no-print-directory all build/tests/test_golden >/dev/null

scenarios=()
for f in lab-scenarios/[0-9][0-9]-*.ini; do
	scenarios+=("$(basename "$f" .ini)")
done
[ ${#scenarios[@]} -gt 0 ] || {
	echo "golden-update: no catalog scenarios in lab-scenarios/" >&2
	exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ $render_only -eq 0 ]; then
	for name in "${scenarios[@]}"; do
		out=$work/$name
		if ! bin/mitmlab run "lab-scenarios/$name.ini" --headless --out "$out" >"$work/$name.log" 2>&1; then
			echo "golden-update: $name: mitmlab run failed:" >&2
			cat "$work/$name.log" >&2
			exit 1
		fi
		if ! grep -q "matches the scenario's expectation" "$out/report.txt" ||
			grep -q "does NOT match the scenario's expectation" "$out/report.txt"; then
			echo "golden-update: $name: the verdict is not the expected one; not recorded:" >&2
			sed -n '/^VERDICT/,/expectation/p' "$out/report.txt" >&2
			exit 1
		fi
		cp "$out/events.jsonl" "$golden/$name.events.jsonl"
		echo "recorded $golden/$name.events.jsonl ($(wc -l <"$out/events.jsonl") events)"
	done
fi

{
	echo "# Golden reports: tests/golden/README. Written by tools/golden-update.sh; paths are"
	echo "# relative to the repository."
	echo "# NAME SCENARIO-FILE EVENTS-FILE EXPECTED-TEXT [EXPECTED-JSON] [--ascii]"
	for name in "${scenarios[@]}"; do
		ev=$golden/$name.events.jsonl
		if [ ! -f "$ev" ]; then
			echo "golden-update: no recorded $ev (run without --render-only)" >&2
			exit 1
		fi
		echo "$name lab-scenarios/$name.ini $ev $golden/$name.report.txt $golden/$name.report.json"
	done
	for name in $ascii_cases; do
		[ -f "lab-scenarios/$name.ini" ] || continue
		echo "$name-ascii lab-scenarios/$name.ini $golden/$name.events.jsonl $golden/$name.ascii.txt --ascii"
	done
} >"$work/TESTLIST"
mv "$work/TESTLIST" "$golden/TESTLIST"

MLAB_GOLDEN_UPDATE=1 MLAB_SRC=$PWD build/tests/test_golden >"$work/render.log" 2>&1 || {
	echo "golden-update: rendering failed:" >&2
	cat "$work/render.log" >&2
	exit 1
}

# Expected files of cases no longer listed.
for f in "$golden"/*.report.txt "$golden"/*.report.json "$golden"/*.ascii.txt "$golden"/*.events.jsonl; do
	[ -e "$f" ] || continue
	grep -qF " $f" "$golden/TESTLIST" || {
		echo "removed $f (not in TESTLIST)"
		rm -f "$f"
	}
done

if [ $render_only -eq 0 ]; then
	# The test renders what mitmlab wrote; only the run directory differs.
	for name in "${scenarios[@]}"; do
		out=$work/$name
		sed "s|^Run directory: $out\$|Run directory: runs/golden|" "$out/report.txt" >"$work/want.txt"
		{
			sed "s|^  \"run_dir\": \"$out\"\$|  \"run_dir\": \"runs/golden\"|" "$out/report.json"
			echo
		} >"$work/want.json"
		if ! diff -u --label "$name: mitmlab's report.txt" --label "$golden/$name.report.txt" \
			"$work/want.txt" "$golden/$name.report.txt" ||
			! diff -u --label "$name: mitmlab's report.json" --label "$golden/$name.report.json" \
				"$work/want.json" "$golden/$name.report.json"; then
			echo "golden-update: $name: the test renders a different report than mitmlab run" >&2
			exit 1
		fi
	done
fi

echo "$(grep -cv '^#' "$golden/TESTLIST") cases in $golden/TESTLIST;" \
	"recorded events: $(cat "$golden"/*.events.jsonl | wc -c) bytes. Review: git diff --stat $golden"
