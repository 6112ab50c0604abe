#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# usdtctl trace against real BPF and real processes: every event and value of self-describing
# fixtures (each announces "fire PROVIDER:NAME ARGS" before a hit), strings from type lists
# and the catalog, python3.11, --count, JSON Lines, -p, -c, signals, lost events, errors.
# Every usdtctl runs under `timeout`; background processes are killed in teardown.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	have_usdtctl
}

# trace_bg ARGS...: `usdtctl trace ARGS` in the background for 30 s at most, stdout in $OUT,
# stderr in $ERR; returns once it has attached. TRACE_PID is usdtctl itself.
trace_bg() {
	OUT=$BATS_TEST_TMPDIR/trace.out ERR=$BATS_TEST_TMPDIR/trace.err
	"$USDTCTL" trace "$@" >"$OUT" 2>"$ERR" 3>&- 4>&- &
	TRACE_PID=$!
	BG_PIDS+=("$TRACE_PID")
	(sleep 30 && kill -KILL "$TRACE_PID") >/dev/null 2>&1 3>&- 4>&- &
	BG_PIDS+=("$!")
	wait_output "$ERR" '^usdtctl: attached [0-9]+ sites of [0-9]+ probes in [0-9]+ objects in [0-9]+ ms$' 10
}

# wait_exit PID SECONDS: the exit status of PID (a child of this shell, so not under `run`),
# 124 if it is still running.
wait_exit() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && return 124
	wait "$1"
}

# start_waiting PROG: "PROG wait" in the background, its stdin a FIFO this shell holds open
# on fd 4 (each line written there moves it on, closing fd 4 ends it); waits for its "pid" line.
# Sets BG_PID and BG_OUT as start_bg does.
start_waiting() {
	local fifo=$BATS_TEST_TMPDIR/in
	mkfifo "$fifo"
	start_bg 30 sh -c 'exec "$0" wait <"$1"' "$1" "$fifo"
	exec 4>"$fifo"
	wait_output "$BG_OUT" '^pid ' 5
}

# events FILE: the text events of FILE as "PROVIDER:NAME ARGS" (time, pid, tid, comm dropped)
events() {
	grep -E '^[0-9]+\.[0-9]{6} ' "$1" | sed -E 's/^[^ ]+ +[0-9]+ +[0-9]+ +[^ ]+ +//; s/^([^ ]+) +/\1 /'
}

# fired FILE: what the fixture announced, in the same form
fired() {
	sed -n 's/^fire //p' "$1"
}

# same NAME_A A NAME_B B: equal, or shows the difference
same() {
	[ "$2" = "$4" ] && return 0
	diff <(echo "$2") <(echo "$4") | head -20 >&2
	echo "($1 < > $3)" >&2
	return 1
}

@test "-c: every hit of the fixture, with its exact argument values, strings and all" {
	need_root
	run --separate-stderr timeout 30 "$USDTCTL" trace -c "$TT 3" 'trace:*' "${STR_TYPES[@]}"
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/out"
	[ "$(fired "$BATS_TEST_TMPDIR/out" | wc -l)" -eq 21 ]
	same fixture "$(fired "$BATS_TEST_TMPDIR/out")" trace "$(events "$BATS_TEST_TMPDIR/out")"
	# the header, then one line per event: same pid and tid, comm of the command
	[[ ${lines[0]} == "TIME(s)"*PID*TID*COMM*PROBE*ARGS ]]
	grep -E '^[0-9]+\.[0-9]{6} ' <<<"$output" | awk '$2 != $3 || $4 != "trace_target" { exit 1 }'
	[ "$(grep -E '^[0-9]+\.[0-9]{6} ' <<<"$output" | awk '{ print $2 }' | sort -u | wc -l)" -eq 1 ]
	[[ ${stderr_lines[0]} =~ ^usdtctl:\ attached\ 7\ sites\ of\ 7\ probes\ in\ 1\ objects\ in\ [0-9]+\ ms$ ]]
	[ "${stderr_lines[1]%% lost*}" = "usdtctl: 21 events, 0" ]
	[ "${stderr_lines[2]}" = "usdtctl: command exited with status 0" ]
}

@test "--json: every line parses, values exact, unreadable is null, cut strings in args_truncated" {
	need_root
	run --separate-stderr timeout 30 "$USDTCTL" trace --json -c "$TT 2 >/dev/null" 'trace:*' \
		"${STR_TYPES[@]}"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 15 ]
	for l in "${lines[@]}"; do jq -e . >/dev/null <<<"$l"; done
	head -14 <<<"$output" | jq -s -e 'all(.[]; (keys - ["args_truncated"] | sort) ==
		["args", "comm", "name", "pid", "provider", "tid", "time_ns"] and
		.comm == "trace_target" and .provider == "trace" and .pid == .tid)'
	# time_ns never goes back
	[ "$(head -14 <<<"$output" | jq '.time_ns' | sort -c -n && echo sorted)" = sorted ]
	jq -e 'select(.name == "text") | .args == ["say \"hi\"\n", 9]' <<<"${lines[1]}"
	jq -e 'select(.name == "long") | .args[0] == ("x" * 128) and .args_truncated == [0]' \
		<<<"${lines[2]}"
	# only a cut string has it
	[ "$(head -14 <<<"$output" | jq -c 'select(.args_truncated) | .name' | sort -u)" = '"long"' ]
	jq -e 'select(.name == "exact") | .args[0] == ("y" * 128)' <<<"${lines[3]}"
	jq -e 'select(.name == "null") | .args == [null, 7]' <<<"${lines[4]}"
	jq -e 'select(.name == "counted") | .args == ["abc", 3]' <<<"${lines[5]}"
	# 64-bit extremes as written (jq itself would round them to doubles)
	[[ ${lines[6]} == *'"name":"numbers","args":[-1,255,-32768,65535,-2147483648,4294967295,-9223372036854775808,18446744073709551615]}' ]]
	[[ ${lines[13]} == *'"args":[-2,254,-32767,65534,-2147483647,4294967294,-9223372036854775807,18446744073709551614]}' ]]
	jq -e '.summary.events == 14 and .summary.lost == 0 and .summary.exit_status == 0 and
		.summary.duration_ns > 0' <<<"${lines[14]}"
}

@test "python3.11 -c: file and function names from the catalog, no type list" {
	need_root
	local code out
	# CPython 3.11 fires function__entry only for frames entered by throw (a generator's
	# close), function__return for every frame: both are exercised on code of known lines
	code=$'def f():\n    yield 1\ng = f(); next(g); g.close()\ndef h(): pass\nh()'
	out=$BATS_TEST_TMPDIR/out
	timeout 30 "$USDTCTL" trace -c "$PYTHON_SDT -c '$code'" python:function__entry \
		python:function__return >"$out"
	grep -E ' python:function__entry +"<string>" "f" 2$' "$out"
	grep -E ' python:function__return +"<string>" "h" 4$' "$out"
	grep -E ' python:function__return +"<string>" "<module>" 5$' "$out"
	# every python event decodes two strings and a line number
	events "$out" | awk '!/^python:function__(entry|return) ".*" ".*" [0-9]+$/ { exit 1 }'
}

@test "--count: totals per probe equal the hits, in text and JSON" {
	need_root
	run --separate-stderr timeout 60 "$USDTCTL" trace --count -c "$TT ticks 20000" 'trace:*'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf '%-15s %s' PROBE COUNT)" ] || [[ ${lines[0]} == PROBE*COUNT ]]
	[[ $(grep '^trace:tick ' <<<"$output") =~ ^trace:tick\ +20000$ ]]
	[[ $(grep '^trace:text ' <<<"$output") =~ ^trace:text\ +0$ ]]
	[[ ${stderr_lines[1]} == "usdtctl: 20000 events, 0 lost, "* ]]
	run --separate-stderr timeout 60 "$USDTCTL" trace --count --json -c "$TT 3 >/dev/null" 'trace:*'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 8 ]
	[ "$(head -7 <<<"$output" | jq -c 'select(.count != 3 or .provider != "trace")')" = "" ]
	[ "$(head -7 <<<"$output" | jq -r .name | sort | tr '\n' ' ')" = "counted exact long null numbers text tick " ]
	jq -e '.summary.events == 21' <<<"${lines[7]}"
}

@test "--count -i: per-interval counts add up to the hits" {
	need_root
	trace_bg --count --json -i 0.2 "$TT" 'trace:tick'
	"$TT" ticks 300
	sleep 0.5
	"$TT" ticks 200
	sleep 0.5
	kill -INT "$TRACE_PID"
	wait_exit "$TRACE_PID" 10
	[ "$(jq -s 'map(select(.name == "tick") | .count) | add' "$OUT")" -eq 500 ]
	# several intervals, numbered from 1
	[ "$(jq -s 'map(select(.name == "tick") | .interval) | max' "$OUT")" -ge 3 ]
	[ "$(jq -s 'map(select(.name == "tick") | .interval) | min' "$OUT")" -eq 1 ]
	jq -e 'select(.summary) | .summary.events == 500' "$OUT"
}

@test "SIGINT mid-trace: exit 0, the events so far, the summary" {
	need_root
	trace_bg "$TT" 'trace:tick' 'trace:null(str,int)'
	"$TT" 2 >/dev/null
	sleep 0.3
	kill -INT "$TRACE_PID"
	wait_exit "$TRACE_PID" 10
	same expected "$(printf 'trace:tick 0 0 0\ntrace:null ? 7\ntrace:tick 1 -1 1\ntrace:null ? 8')" \
		trace "$(events "$OUT")"
	grep -E '^usdtctl: 4 events, 0 lost, [0-9]+\.[0-9]{3} s$' "$ERR"
	# SIGTERM as well
	trace_bg --json "$TT" 'trace:tick'
	"$TT" 1 >/dev/null
	kill -TERM "$TRACE_PID"
	wait_exit "$TRACE_PID" 10
	[ "$(tail -1 "$OUT" | jq .summary.events)" -eq 1 ]
}

@test "-p: a running process only, until it exits" {
	need_root
	local target
	start_waiting "$TT"
	target=$BG_PID
	trace_bg -p "$target" 'trace:tick' 'trace:text(str,int)'
	echo >&4
	# another process with the same probes is not traced
	"$TT" 1 >/dev/null
	echo >&4
	wait_output "$OUT" 'trace:tick +1 -1 1$' 5
	exec 4>&-
	wait_exit "$TRACE_PID" 10
	same expected "$(printf 'trace:tick 0 0 0\ntrace:text "say \\"hi\\"\\n" 9\ntrace:tick 1 -1 1\ntrace:text "say \\"hi\\"\\n" 10')" \
		trace "$(events "$OUT")"
	grep -E '^[0-9]+\.[0-9]{6} ' "$OUT" | awk -v p="$target" '$2 != p { exit 1 }'
}

@test "-p: every object of the process, one provider:name in two of them" {
	need_root
	local target
	start_waiting "$FIXTURES/lib_linked"
	target=$BG_PID
	trace_bg --json -p "$target" 'testlib:call(int,str)'
	grep -E '^usdtctl: attached 2 sites of 2 probes in 2 objects' "$ERR"
	echo >&4
	exec 4>&-
	wait_exit "$TRACE_PID" 10
	[ "$(jq -c 'select(.name == "call") | .args' "$OUT" | sort | tr '\n' ' ')" = '[-1,"main"] [0,"lib"] ' ]
}

@test "-c: probes in the libraries the command links, semaphores set before it starts" {
	need_root
	local out=$BATS_TEST_TMPDIR/out
	timeout 30 "$USDTCTL" trace -c "$FIXTURES/lib_linked 2" 'testlib:*' >"$out"
	# the guarded probe fires only while its semaphore is set: from the first round on
	[ "$(fired "$out" | grep -c '^testlib:guarded')" -eq 2 ]
	same fixture "$(fired "$out" | grep -v '^testlib:call')" \
		trace "$(events "$out" | grep -v '^testlib:call')"
	[ "$(events "$out" | grep -c '^testlib:call ')" -eq 4 ]
}

@test "-c with a TARGET: a library the command dlopens" {
	need_root
	local out=$BATS_TEST_TMPDIR/out
	timeout 30 "$USDTCTL" trace --json -c "$FIXTURES/lib_dlopen 1 >/dev/null" \
		"$FIXTURES/libtestprobes.so" 'testlib:call(int,str)' >"$out"
	[ "$(jq -c 'select(.name == "call") | .args' "$out" | sort | tr '\n' ' ')" = '[-1,"main"] [0,"lib"] ' ]
}

@test "-c on the fixtures with every argument shape: the values the programs announce, both attach paths" {
	need_root
	local f out=$BATS_TEST_TMPDIR/out
	for f in probes_pie probes_nopie probes_noseparate; do
		timeout 30 "$USDTCTL" trace -c "$FIXTURES/$f 2" 'test:*' >"$out"
		[ "$(fired "$out" | wc -l)" -ge 20 ]
		same "$f" "$(fired "$out")" trace "$(events "$out")"
	done
	# the legacy path, one perf_event uprobe per site, reads the same
	timeout 60 "$USDTCTL" --legacy-attach trace -c "$FIXTURES/probes_pie 2" 'test:*' >"$out"
	[ "$(fired "$out" | wc -l)" -ge 20 ]
	same "probes_pie" "$(fired "$out")" "trace --legacy-attach" "$(events "$out")"
}

@test "-c: the command's exit status is reported, usdtctl exits 0 (as bpftrace)" {
	need_root
	run --separate-stderr timeout 30 "$USDTCTL" trace -c "$TT status 3 >/dev/null" 'trace:tick'
	[ "$status" -eq 0 ]
	[ "${stderr_lines[-1]}" = "usdtctl: command exited with status 3" ]
	run --separate-stderr timeout 30 "$USDTCTL" trace --json -c "$TT status 5 >/dev/null" 'trace:tick'
	[ "$status" -eq 0 ]
	jq -e '.summary.exit_status == 5' <<<"${lines[-1]}"
}

@test "-n and -d end the trace; -n stops the command" {
	need_root
	run --separate-stderr timeout 30 "$USDTCTL" trace -n 5 -c "$TT ticks 100000000" 'trace:tick'
	[ "$status" -eq 0 ]
	same expected "$(for i in 0 1 2 3 4; do echo "trace:tick $i -$i $i"; done | sed 's/-0/0/')" \
		trace "$(events <(echo "$output"))"
	[[ ${stderr_lines[-1]} == "usdtctl: command killed by signal 15 "* ]]
	# not a bare `! cmd`: bats does not fail a test on it unless it is the last line
	if pgrep -f "$TT ticks 100000000"; then
		echo "the command outlived the trace" >&2
		return 1
	fi
	# -d 1 ends the trace (timeout bounds it from above): it lasted at least a second
	run --separate-stderr timeout 30 "$USDTCTL" trace -d 1 "$TT" 'trace:tick'
	[ "$status" -eq 0 ]
	[[ ${stderr_lines[-1]} =~ ^usdtctl:\ 0\ events,\ 0\ lost,\ ([0-9]+)\.[0-9]{3}\ s$ ]]
	[ "${BASH_REMATCH[1]}" -ge 1 ]
}

@test "a full ring buffer: lost events are counted and reported, never silently dropped" {
	need_root
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err n=400000
	# the reader stalls while the command fires: the pipe, then the ring buffer, fill up
	timeout 120 "$USDTCTL" trace --json -c "$TT ticks $n" 'trace:tick' 2>"$err" |
		(sleep 5; cat) >"$out"
	# the pipeline's status is the reader's: usdtctl's own must be 0 too
	[ "${PIPESTATUS[0]}" -eq 0 ]
	local events lost
	events=$(tail -1 "$out" | jq .summary.events)
	lost=$(tail -1 "$out" | jq .summary.lost)
	[ "$lost" -gt 0 ]
	[ $((events + lost)) -eq "$n" ]
	[ "$(grep -c '"name":"tick"' "$out")" -eq "$events" ]
	grep -E "^usdtctl: warning: $lost events were lost" "$err"
}

@test "the catalog: \$USDTCTL_CATALOG entries apply, a type list on the command line wins" {
	need_root
	local cat=$BATS_TEST_TMPDIR/probes.catalog
	printf '# test catalog\ntrace:text(str, int)  # comment\nnot an entry\ntrace:co*(strn,int)\n' >"$cat"
	run --separate-stderr env USDTCTL_CATALOG="$cat" timeout 30 "$USDTCTL" trace \
		-c "$TT 1 >/dev/null" 'trace:text' 'trace:counted' 'trace:null(hex,int)'
	[ "$status" -eq 0 ]
	same expected "$(printf 'trace:text "say \\"hi\\"\\n" 9\ntrace:null 0x0 7\ntrace:counted "abc" 3')" \
		trace "$(events <(echo "$output"))"
	grep -E "^usdtctl: warning: $cat:3: not a catalog entry" <<<"$stderr"
	run --separate-stderr env USDTCTL_CATALOG="$cat" timeout 30 "$USDTCTL" trace \
		-c "$TT 1 >/dev/null" 'trace:text(int,int)'
	[ "$status" -eq 0 ]
	[[ $(events <(echo "$output")) =~ ^trace:text\ [0-9]+\ 9$ ]]
	# the installed catalog is on the search path, after the user's files
	run env USDTCTL_CATALOG="$cat" "$USDTCTL" trace --help
	[ "$status" -eq 0 ]
	grep -F "    $cat" <<<"$output"
	grep -E '/share/usdtctl/probes.catalog' <<<"$output"
}

@test "usdt:PATH:provider:name names its file; several globs, one link per object" {
	need_root
	run --separate-stderr timeout 30 "$USDTCTL" trace -c "$TT 1 >/dev/null" \
		"usdt:$TT:trace:tick" 'trace:null(str,int)' 'trace:ex*(str)'
	[ "$status" -eq 0 ]
	[[ ${stderr_lines[0]} == "usdtctl: attached 3 sites of 3 probes in 1 objects in "* ]]
	same expected "$(printf 'trace:tick 0 0 0\ntrace:exact "%s"\ntrace:null ? 7' "$(printf 'y%.0s' {1..128})")" \
		trace "$(events <(echo "$output"))"
}

@test "errors: no match names pattern and file (1), bad option (2), missing file (1)" {
	run --separate-stderr "$USDTCTL" trace "$TT" 'nosuch:*'
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "usdtctl: no probe matches 'nosuch:*' in $TT and the $(ldd "$TT" | grep -c /) libraries it loads; see 'usdtctl list'" ]
	[ -z "$output" ]
	run --separate-stderr "$USDTCTL" trace --bogus "$TT" 'trace:*'
	[ "$status" -eq 2 ]
	[[ ${stderr_lines[0]} == "usdtctl: trace: unknown option '--bogus'"* ]]
	run --separate-stderr "$USDTCTL" trace /nonexistent/file 'trace:*'
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "usdtctl: /nonexistent/file: no such file, program or library" ]
	# no TARGET: every process (follow.bats), here for half a second
	run --separate-stderr timeout 30 "$USDTCTL" trace -d 0.5 'trace:*'
	[ "$status" -eq 0 ]
	run --separate-stderr "$USDTCTL" trace -p 1 -c true 'trace:*'
	[ "$status" -eq 2 ]
	run --separate-stderr "$USDTCTL" trace -i 1 "$TT" 'trace:*'
	[ "$status" -eq 2 ]
	run --separate-stderr "$USDTCTL" trace -n 0 "$TT" 'trace:*'
	[ "$status" -eq 2 ]
	run --separate-stderr "$USDTCTL" trace "$TT" 'trace:tick(int,blob)'
	[ "$status" -eq 2 ]
	[[ ${stderr_lines[0]} == *"bad type list at 'blob'"* ]]
	run --separate-stderr "$USDTCTL" trace -p "$(free_pid)" 'trace:*'
	[ "$status" -eq 1 ]
	[[ ${stderr_lines[0]} == *"no such process" ]]
	run --separate-stderr "$USDTCTL" trace -c "/nonexistent/cmd" 'trace:*'
	[ "$status" -eq 1 ]
	run --separate-stderr "$USDTCTL" --json trace "$TT" 'nosuch:*'
	[ "$status" -eq 1 ]
	jq -e '.error | startswith("no probe matches")' <<<"$output"
}

@test "--help teaches: synopsis, options, types, catalog, examples" {
	run "$USDTCTL" trace --help
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "Usage: usdtctl trace "* ]]
	for w in --pid --command --json --count --interval --duration --events str strn hex \
		Examples 'python:function__entry(str,str,int)' USDTCTL_CATALOG 'attached N sites'; do
		grep -qF -- "$w" <<<"$output" || { echo "missing: $w" >&2; return 1; }
	done
}
