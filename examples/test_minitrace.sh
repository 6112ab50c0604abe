#!/usr/bin/env bash
# minitrace against demo_app: minitrace must print, hit for hit, what demo_app says it passed,
# from demo_app's pid; demo:request (guarded by its semaphore) fires only while traced.
#   test_minitrace.sh MINITRACE DEMO_APP
set -u
minitrace=$1 demo=$2
if [ "$(id -u)" -ne 0 ]; then
	[ -n "${CI:-}" ] && { echo "minitrace_demo needs root, and CI is set: failing" >&2; exit 1; }
	echo "minitrace_demo needs root: skipped" >&2
	exit 77
fi
tmp=$(mktemp -d)
tracer=
cleanup() {
	[ -n "$tracer" ] && kill "$tracer" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "minitrace_demo: $*" >&2
	[ -f "$tmp/err" ] && sed 's/^/  minitrace: /' "$tmp/err" >&2
	exit 1
}

# 4 requests and 4 ticks; -d bounds it should an event never come
timeout 30 "$minitrace" -s 2 -n 8 -d 20 "$demo" 'demo:*' >"$tmp/trace" 2>"$tmp/err" &
tracer=$!
for _ in $(seq 100); do
	grep -q '^Tracing' "$tmp/err" && break
	kill -0 "$tracer" 2>/dev/null || break
	sleep 0.1
done
grep -q '^Tracing 2 site(s) of 2 probe(s)' "$tmp/err" || fail "did not attach to the 2 sites of 2 probes"

# the shell execs demo_app, so the pid it writes is demo_app's
timeout 10 sh -c 'echo $$ >"$1"; exec "$2" -n 4' sh "$tmp/pid" "$demo" >"$tmp/expected" ||
	fail "demo_app failed"
demo_pid=$(cat "$tmp/pid")
wait "$tracer" || fail "minitrace exited with $?"
tracer=

[ "$(grep -c '^demo:request ' "$tmp/expected")" -eq 4 ] || fail "demo:request did not fire 4 times"
cut -d' ' -f2- "$tmp/trace" >"$tmp/got"
diff -u "$tmp/expected" "$tmp/got" >&2 || fail "minitrace's output differs from what demo_app passed"
[ "$(cut -d' ' -f1 "$tmp/trace" | sort -u)" = "$demo_pid" ] || fail "events from another pid"

# untraced, the semaphore is 0 again: the guarded probe does not fire
timeout 10 "$demo" -n 2 >"$tmp/untraced" || fail "demo_app failed"
grep -q '^demo:request' "$tmp/untraced" && fail "demo:request fired with no tracer attached"
echo "minitrace_demo: ok"
