#!/usr/bin/env bash
# The classroom's figures (make bench): the whole catalog with `mitmlab check`
# serially and with --jobs 4 (control runs included), and `mitmlab grade` of
# 30 submissions with --jobs 4 and serially. Prints wall times and the ratio;
# asserts nothing.
set -euo pipefail
bin=${MLAB_BIN:-bin}
src=${MLAB_SRC:-.}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wall() { # wall time in seconds of the command line "$@"
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >"$work/last.txt" 2>&1 || true
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk '{printf "%.2f\n", $2-$1}'
}
n=$(ls "$src"/lab-scenarios/[0-9][0-9]-*.ini | wc -l)
s1=$(wall "$bin/mitmlab" check --jobs 1 --out "$work/c1")
p1=$(tail -1 "$work/last.txt")
s4=$(wall "$bin/mitmlab" check --jobs 4 --out "$work/c4")
p4=$(tail -1 "$work/last.txt")
echo "the catalog ($n scenarios, with the control runs of the blocked ones):"
printf '  mitmlab check --jobs 1   %7.2f s   (%s)\n' "$s1" "$p1"
printf '  mitmlab check --jobs 4   %7.2f s   (%s)   %.1fx faster\n' "$s4" "$p4" "$(echo "$s1 $s4" | awk '{print $1/$2}')"
mkdir -p "$work/subs"
for i in $(seq -w 30); do cp "$src/tests/grade/06-good.ini" "$work/subs/trainee-$i.ini"; done
g4=$(wall "$bin/mitmlab" grade "$src/exercises/01-stop-06.ini" "$work"/subs/*.ini --jobs 4 --out "$work/g4")
g1=$(wall "$bin/mitmlab" grade "$src/exercises/01-stop-06.ini" "$work"/subs/*.ini --jobs 1 --out "$work/g1")
echo "grading 30 submissions of exercise 01-stop-06 (each a lab and its control run):"
printf '  mitmlab grade --jobs 1   %7.2f s\n' "$g1"
printf '  mitmlab grade --jobs 4   %7.2f s   %.1fx faster\n' "$g4" "$(echo "$g1 $g4" | awk '{print $1/$2}')"
