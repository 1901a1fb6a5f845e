#!/usr/bin/env bash
# Runs each cmocka suite given as an argument with TAP output, counts every
# test that passed or failed (a suite that dies counts its unreported tests as
# failed), and ends with the plain line "N passed, M failed".
set -u
passed=0
failed=0
for suite in "$@"; do
	name=$(basename "$suite")
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$suite" 2>&1)
	rc=$?
	plan=$(printf '%s\n' "$out" | sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' | head -n1)
	ok=$(printf '%s\n' "$out" | grep -c '^ok ')
	bad=$(printf '%s\n' "$out" | grep -c '^not ok ')
	missing=0
	if [ -n "$plan" ] && [ $((ok + bad)) -lt "$plan" ]; then
		missing=$((plan - ok - bad))
	fi
	if [ -z "$plan" ] && [ "$rc" -ne 0 ]; then
		missing=1 # died before it could report anything
	fi
	if [ "$bad" -gt 0 ] || [ "$missing" -gt 0 ] || [ "$rc" -ne 0 ]; then
		printf '%s\n' "$out" | grep -v '^ok ' | sed "s/^/  [$name] /"
		[ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && [ "$missing" -eq 0 ] && missing=1
	fi
	printf '%-28s %4d passed, %d failed\n' "$name" "$ok" $((bad + missing))
	passed=$((passed + ok))
	failed=$((failed + bad + missing))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
