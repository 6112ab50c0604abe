#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# usdtctl latency against real BPF: latency_target times each start/done pair itself (between
# an inner and an outer clock reading around the probes), and latency_oracle.py checks usdtctl's
# rows against that record: counts exactly, min/max/avg and histogram buckets within the
# fixture's clock readings. Pairs on one thread, several threads, recursion (innermost first,
# overflow past the per-thread stack), a request id handed between threads, stray ENDs and
# open STARTs, --slower, and PostgreSQL query latency by query text from a server started here.
# Every usdtctl runs under `timeout`; background processes and the server are stopped in teardown.

bats_require_minimum_version 1.5.0
load helpers

START='lt:start(int,str)'
END=lt:done


setup() {
	usdtctl_setup
	LT=$FIXTURES/latency_target
	ORACLE=$BATS_TEST_DIRNAME/latency_oracle.py
}

teardown() {
	stop_bg
	pg_stop
}

# latency 'FIXTURE ARGS' USDTCTL-LATENCY-ARGS...: the fixture under usdtctl latency --json -c,
# its record in $FIRES, usdtctl's output in $OUT and $ERR
latency() {
	local fx_args=$1
	shift
	usdtctl_out 60 latency --json "$@" -c "$LT $fx_args >$FIRES" "$START" "$END"
	grep -q '"exit_status":0' "$OUT"
}

@test "pairs per thread, keyed by START's string argument, several threads: counts exact, times within the fixture's clock" {
	need_root
	latency "pairs 4 3" --by arg1
	"$ORACLE" "$FIRES" "$OUT" --by-name
	jq -se 'map(select(.start)) | length == 3 and all(.end == "lt:done" and (.hist | length) > 0)' "$OUT"
	jq -se 'map(select(.latency))[0].latency | . == {"open_starts":0,"unpaired_ends":0,"overflow":0,"no_pair_key":0}' "$OUT"
	# --stats: no histogram; one row for all without --by
	latency "pairs 2 2" --stats
	"$ORACLE" "$FIRES" "$OUT"
	jq -se 'map(select(.start)) | length == 1 and all(has("hist") | not)' "$OUT"
}

@test "--slower: every pair slower than the threshold, as it completes, with START's arguments" {
	need_root
	latency "pairs 2 3" --by arg1 --slower 10ms
	"$ORACLE" "$FIRES" "$OUT" --by-name --slower 10000000
	# time, pid, tid, comm, duration and the START's id and name
	jq -se 'map(select(.duration_ns)) | length > 0 and
		all(keys == ["args", "comm", "duration_ns", "pid", "tid", "time_ns"] and
		    .comm == "latency_target" and (.args | length == 2) and
		    (.args[1] | IN("fast", "mid", "slow")) and .args[0] >= 1000)' "$OUT"
	# text: a line per slow pair
	timeout 60 "$USDTCTL" latency --slower 15ms --by arg1 -c "$LT pairs 1 2 >/dev/null" "$START" "$END" \
		>"$OUT" 2>"$ERR"
	grep -qE '^TIME\(s\) +PID +TID +COMM +DURATION\(ms\) +START ARGS$' "$OUT"
	grep -qE '^[0-9]+\.[0-9]{6} +[0-9]+ +[0-9]+ +latency_target +[0-9]+\.[0-9]{3} +lt:start [0-9]+ "slow"$' "$OUT"
}

@test "recursion pairs innermost first; STARTs past the per-thread stack are counted, the rest still pair" {
	need_root
	latency "recurse 6" --by arg1
	"$ORACLE" "$FIRES" "$OUT" --by-name
	# 10 deep: d9 and d10 overflow the 8 frames; d1..d8 are timed right all the same
	latency "recurse 10" --by arg1
	grep -vP '\td(9|10)\t' "$FIRES" >"$FIRES.8"
	"$ORACLE" "$FIRES.8" "$OUT" --by-name
	jq -se 'map(select(.latency))[0].latency | .overflow == 2 and .unpaired_ends == 0' "$OUT"
	grep -q '^usdtctl: 0 STARTs still open, 0 ENDs without a START, 2 STARTs nested deeper than 8 (not timed)$' "$ERR"
	# timed per START probe alone (no event read in BPF): the same pairs, in one row
	latency "recurse 10"
	grep -vP '\td(9|10)\t' "$FIRES" >"$FIRES.8"
	"$ORACLE" "$FIRES.8" "$OUT"
	jq -se 'map(select(.latency))[0].latency | .overflow == 2 and .open_starts == 0' "$OUT"
}

@test "--pair arg0: a request id handed between threads pairs; by thread it cannot" {
	need_root
	latency "handoff 20" --pair arg0
	"$ORACLE" "$FIRES" "$OUT"
	# started and done on two threads, as the record says
	[ "$(awk -F'\t' '$1 == "pair" && $3 != $4' "$FIRES" | wc -l)" -eq 20 ]
	latency "handoff 5"
	jq -se 'map(select(.latency))[0].latency | .open_starts == 5 and .unpaired_ends == 5' "$OUT"
	[ "$(jq -s 'map(select(.start)) | length' "$OUT")" -eq 0 ]
}

@test "an END without a START is ignored; STARTs open at the end are counted and reported" {
	need_root
	latency "stray"
	[ "$(grep -c '^open$' "$FIRES")" -eq 3 ]
	jq -se 'map(select(.latency))[0].latency | .open_starts == 3 and .unpaired_ends == 1' "$OUT"
	[ "$(jq -s 'map(select(.start)) | length' "$OUT")" -eq 0 ]
	grep -q '^usdtctl: 3 STARTs still open, 1 ENDs without a START, 0 STARTs nested deeper than 8 (not timed)$' "$ERR"
}

@test "--filter picks the STARTs; the ENDs of the others are ENDs without a START" {
	need_root
	latency "pairs 2 2" --by arg1 --filter 'arg1 != "slow"'
	grep -v $'\tslow\t' "$FIRES" >"$FIRES.kept"
	"$ORACLE" "$FIRES.kept" "$OUT" --by-name
	# the slow STARTs never opened: their ENDs are ENDs without a START
	jq -se 'map(select(.latency))[0].latency | .unpaired_ends == 4' "$OUT"
}

@test "latency usage errors: one line, exit 2" {
	local p="usdtctl: latency"
	run --separate-stderr "$USDTCTL" latency lt:start
	[ "$status" -eq 2 ]
	[ "$stderr" = "$p: expected [TARGET] START END; see 'usdtctl latency --help'" ]
	run --separate-stderr "$USDTCTL" latency --pair foo lt:start lt:done
	[ "$status" -eq 2 ]
	[ "$stderr" = "$p: bad --pair 'foo' (tid, pid or argN, N < 12)" ]
	run --separate-stderr "$USDTCTL" latency --slower 10parsecs lt:start lt:done
	[ "$status" -eq 2 ]
	[ "$stderr" = "$p: bad --slower '10parsecs' (as 10ms, 500us, 1.5s)" ]
	run --separate-stderr "$USDTCTL" latency --hist --stats lt:start lt:done
	[ "$status" -eq 2 ]
	[ "$stderr" = "$p: --hist and --stats exclude each other" ]
	run --separate-stderr "$USDTCTL" latency --filter 'arg0 =' lt:start lt:done
	[ "$status" -eq 2 ]
	[ "$stderr" = "$p: bad --filter 'arg0 =' at column 6: expected ==, !=, <, <=, > or >=" ]
}

@test "a probe that matches both START and END is a usage error" {
	need_root
	run --separate-stderr timeout 30 "$USDTCTL" latency -c "$LT stray" 'lt:*' lt:done
	[ "$status" -eq 2 ]
	[ "$stderr" = "usdtctl: latency: lt:done matches both START and END" ]
}

@test "PostgreSQL 15: query latency by query text, from a server started here" {
	need_root
	local i
	pg_start
	usdtctl_bg 60 "$OUT" "$ERR" latency --json --by arg0 "$PG_BIN/postgres" \
		'postgresql:query__start(str)' postgresql:query__done
	for i in 1 2 3; do pg_query 'SELECT pg_sleep(0.05)'; done
	for i in 1 2 3 4 5; do pg_query 'SELECT 1'; done
	usdtctl_stop
	jq -se 'map(select(.start == "postgresql:query__start") | {(.by.arg0): .}) | add as $r |
		$r["SELECT pg_sleep(0.05)"].count == 3 and $r["SELECT 1"].count == 5 and
		$r["SELECT pg_sleep(0.05)"].min_ns >= 50000000 and
		$r["SELECT 1"].max_ns < $r["SELECT pg_sleep(0.05)"].min_ns' "$OUT"
}
