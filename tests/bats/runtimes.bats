#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The runtime commands (calls, flow, gc, objnew, threads, queries) and the silent-probe hints,
# against Debian's CPython 3.11, Ruby 3.1, PHP 8.2, OpenJDK 17 and PostgreSQL 15. Each script in
# runtimes/ records what it did (calls, collections, objects, threads) and prints that record;
# usdtctl's output must equal it. Every usdtctl, program and server runs under a timeout; the
# server is stopped in teardown.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	usdtctl_setup
	D=$BATS_TEST_DIRNAME/runtimes REC=$BATS_TEST_TMPDIR/rec
}

teardown() {
	stop_bg
	pg_stop
}

# rt CMD SECONDS ARGS...: usdtctl CMD --json ARGS under a timeout; output in $OUT, $ERR
rt() {
	local cmd=$1 secs=$2
	shift 2
	usdtctl_out "$secs" "$cmd" --json "$@"
}

# same_calls FIELD: usdtctl's rows ({FIELD: key, count}) for the record's keys equal the record
# (the "calls" object of $REC, or $REC itself)
same_calls() {
	jq -se --arg f "$1" --slurpfile rec "$REC" '
		($rec[0] | .calls // .) as $want |
		map(select(.[$f] as $k | $k != null and ($want | has($k))) | {(.[$f]): .count}) |
		add // {} |
		. == $want' "$OUT" || {
		echo "record: $(cat "$REC")" >&2
		cat "$OUT" >&2
		return 1
	}
}

@test "calls: CPython 3.11 file:function counts, the line semaphore raised for function__entry" {
	need_root
	need_cmd "$PYTHON_SDT"
	rt calls 60 -c "$PYTHON_SDT $D/calls.py >$REC"
	jq -se 'map(select(.function == "'"$D"'/calls.py:f")) | length == 1' "$OUT"
	jq -c --arg d "$D/calls.py:" 'with_entries(.key = $d + .key)' "$REC" >"$REC.full"
	mv "$REC.full" "$REC"
	same_calls function
	grep -qx "usdtctl: python:function__entry fires only while python:line's semaphore is raised: usdtctl attaches python:line as well and ignores its hits (the program slows down at each)" "$ERR"
	# --latency: the same counts, and times that add up
	rt calls 60 --latency -c "$PYTHON_SDT $D/calls.py >/dev/null"
	same_calls function
	jq -se 'map(select(.function // "" | endswith("calls.py:f")))[0] |
		.total_ns >= .count * .min_ns and .total_ns <= .count * .max_ns and .min_ns > 0' "$OUT"
	# a file name longer than a key's string: cut, marked in by_truncated, the function beside it
	# whole; the label has no room for a mark, so "..." follows the cut part
	local long=$BATS_TEST_TMPDIR/a-directory-name-long-enough-to-push-the-path-past-64-bytes
	mkdir -p "$long"
	cp "$D/calls.py" "$long/"
	rt calls 60 -c "$PYTHON_SDT $long/calls.py >$REC"
	# the script's record, and its module run once
	jq -se --arg cut "${long:0:64}" --slurpfile rec "$REC" 'map(select(.by.arg0 == $cut and
		.by_truncated == ["arg0"]) | {(.by.arg1): .count}) | add == $rec[0] + {"<module>": 1}' \
		"$OUT"
	jq -se --arg cut "${long:0:64}...:f" 'map(select(.function == $cut)) | length == 1' "$OUT"
}

@test "calls: Ruby 3.1 class.method, PHP 8.2 class::function, each as the script records" {
	need_root
	need_cmd ruby php8.2
	rt calls 60 -c "ruby $D/calls.rb >$REC"
	same_calls function
	grep -q "ruby:method__.*: they fire only while a TracePoint is enabled" "$ERR"
	rt calls 60 -c "php8.2 $D/calls.php >$REC"
	same_calls function
	grep -qx "usdtctl: php:function__entry fires only with USE_ZEND_DTRACE=1 in the program's environment: set for the command" "$ERR"
	# --filter and --top pass on to the engine
	rt calls 60 --filter 'arg3 == "Foo"' --top 1 -c "php8.2 $D/calls.php >$REC"
	jq -se --slurpfile rec "$REC" '($rec[0] | to_entries | map(select(.key | startswith("Foo::"))) |
		max_by(.value) | {(.key): .value}) as $want |
		map(select(.function) | {(.function): .count}) == [$want]' "$OUT"
}

@test "OpenJDK 17: calls, threads, objnew and gc of one program, as it records them" {
	need_root
	need_cmd javac java
	javac -d "$BATS_TEST_TMPDIR" "$D/Runtimes.java"
	local java="java -Xshare:auto -cp $BATS_TEST_TMPDIR Runtimes"
	# usdtctl adds -XX:+ExtendedDTraceProbes through JAVA_TOOL_OPTIONS and says so
	rt calls 120 --filter 'arg1 == "Runtimes"' -c "$java >$REC"
	same_calls function
	grep -q "usdtctl: hotspot:method__.* fires only with JAVA_TOOL_OPTIONS=-XX:+ExtendedDTraceProbes in the program's environment: set for the command" "$ERR"
	rt threads 120 -c "$java >$REC"
	jq -se --slurpfile rec "$REC" '$rec[0].threads as $want |
		(map(select(.name == "thread__start") | .args[0]) | map(select(startswith("worker-")))) == $want and
		(map(select(.name == "thread__stop") | .args[0]) | map(select(startswith("worker-")))) == $want' "$OUT"
	# outside thread-local buffers every allocation reaches the probe with its size
	rt objnew 120 -c "java -XX:-UseTLAB -cp $BATS_TEST_TMPDIR Runtimes >$REC"
	jq -se --slurpfile rec "$REC" 'map(select(.type == "Runtimes$Blob"))[0] as $r |
		$r.count == $rec[0].objects["Runtimes$Blob"] and $r.min > 0 and $r.min == $r.max and
		$r.sum == $r.count * $r.min' "$OUT"
	# every collection since the start, as the JVM counts them
	rt gc 120 -c "$java >$REC"
	jq -se --slurpfile rec "$REC" 'map(select(.duration_ns)) |
		length == $rec[0].gcs and all(.duration_ns > 0)' "$OUT"
}

@test "the exporters: calls --latency --perfetto draws each call as a slice; calls --prometheus serves the rows" {
	need_root
	need_cmd "$PYTHON_SDT" protoc curl
	local pf=$BATS_TEST_TMPDIR/calls.pftrace url
	rt calls 60 --latency --perfetto "$pf" -c "$PYTHON_SDT $D/calls.py >$REC"
	"$SRC_DIR/tests/perfetto/check_trace.py" "$pf" >"$OUT"
	jq -se --arg file "$D/calls.py" --slurpfile rec "$REC" '
		map(select(.type == "slice_begin" and .args.arg0 == $file)) |
		(map(select(.args.arg1 == "f")) | length) == $rec[0].f and
		(map(select(.args.arg1 == "g")) | length) == $rec[0].g and
		all(.name == "python:function__entry")' "$OUT"
	# a running interpreter's calls of tick, as a scrape sees them
	start_bg 60 "$PYTHON_SDT" "$D/loop.py"
	wait_output "$BG_OUT" ready 20
	usdtctl_bg 60 "$OUT" "$ERR" calls --prometheus 127.0.0.1:0 -p "$BG_PID"
	url=$(sed -n 's/^usdtctl: serving metrics on \(http:[^ ]*\)$/\1/p' "$ERR")
	sleep 0.5
	curl -sf --max-time 10 "$url" >"$BATS_TEST_TMPDIR/metrics"
	usdtctl_stop
	grep -qE "^usdt_probe_hits_total\{provider=\"python\",name=\"function__entry\",arg0=\"$D/loop.py\",arg1=\"tick\"\} [1-9][0-9]*$" \
		"$BATS_TEST_TMPDIR/metrics"
}

@test "flow: CPython entries and returns in order, with their depths, as the script records; --perfetto slices" {
	need_root
	need_cmd "$PYTHON_SDT"
	rt flow 60 -c "$PYTHON_SDT $D/flow.py >$REC"
	jq -se --arg file "$D/flow.py:" --slurpfile rec "$REC" '
		map(select(.function == ($file + "a") or .function == ($file + "b"))) |
		(map(.depth) | min) as $d0 |
		map([if .event == "entry" then "->" else "<-" end, (.function | ltrimstr($file)),
		     .depth - $d0]) == $rec[0] and
		(map(select(.event == "return")) | all(.duration_ns > 0))' "$OUT"
	# text: indented by depth
	timeout 60 "$USDTCTL" flow -c "$PYTHON_SDT $D/flow.py >/dev/null" 2>/dev/null >"$OUT"
	grep -qE "^[0-9.]+ +[0-9]+ +[0-9]+ +-> $D/flow.py:a$" "$OUT"
	grep -qE "^[0-9.]+ +[0-9]+ +[0-9]+ +  -> $D/flow.py:b$" "$OUT"
	grep -qE "^[0-9.]+ +[0-9]+ +[0-9]+ +  <- $D/flow.py:b \([0-9.]+ us\)$" "$OUT"
	# --perfetto: each call a slice named after its function, nested as the script records
	# (check_trace.py checks that the slices end in balance, innermost first)
	local pf=$BATS_TEST_TMPDIR/flow.pftrace
	timeout 60 "$USDTCTL" flow --perfetto "$pf" -c "$PYTHON_SDT $D/flow.py >$REC" 2>/dev/null
	"$SRC_DIR/tests/perfetto/check_trace.py" "$pf" >"$OUT"
	jq -se --arg file "$D/flow.py:" --slurpfile rec "$REC" '
		map(select(.type == "slice_begin" and
			   (.name == ($file + "a") or .name == ($file + "b")))) |
		(map(.depth) | min) as $d0 |
		map([(.name | ltrimstr($file)), .depth - $d0]) ==
		($rec[0] | map(select(.[0] == "->") | [.[1], .[2]]))' "$OUT"
}

@test "flow: more threads than it follows at once, each call paired with its return on its thread" {
	need_root
	need_cmd "$PYTHON_SDT"
	rt flow 120 -c "$PYTHON_SDT $D/flow_threads.py >$REC"
	jq -se --arg f "$D/flow_threads.py:b" --slurpfile rec "$REC" '
		map(select(.function == $f)) | group_by(.tid) |
		length == $rec[0].threads and
		map(length) == [range($rec[0].threads) | 2] and
		(map(.[0].event == "entry" and .[1].event == "return" and
		     .[0].depth == .[1].depth and .[1].duration_ns > 0) | all)' "$OUT"
	jq -e '.threads > 1024 and .calls == .threads' "$REC"
}

@test "gc: each CPython collection with its generation and what it collected, as gc.callbacks saw it" {
	need_root
	need_cmd "$PYTHON_SDT"
	rt gc 60 -c "$PYTHON_SDT $D/gc.py >$REC"
	# the interpreter's own collections at startup come first
	jq -se --slurpfile rec "$REC" '$rec[0] as $want | map(select(.duration_ns)) |
		.[length - ($want | length):] | map([.begin[0], .end[0]]) == $want and
		all(.duration_ns > 0)' "$OUT"
}

@test "objnew and gc: Ruby objects per class and every collection, as the script records them" {
	need_root
	need_cmd ruby
	rt objnew 60 -c "ruby $D/calls.rb >$REC"
	jq -se --slurpfile rec "$REC" '$rec[0].objects as $want |
		map(select(.type == "Foo" or .type == "Bar") | {(.type): .count}) | add == $want' "$OUT"
	# each collection marks once: GC.count's collections since the start
	rt gc 60 -c "ruby $D/calls.rb >$REC"
	jq -se --slurpfile rec "$REC" 'map(select(.duration_ns)) | length == $rec[0].gcs' "$OUT"
}

@test "stat: per process, CPython's collections since its start and its calls, counted in BPF" {
	need_root
	need_cmd "$PYTHON_SDT"
	rt stat 60 -i 1 -c "$PYTHON_SDT $D/stat.py >$REC"
	# one line per process and interval; the intervals add up to the record
	jq -se --slurpfile rec "$REC" 'map(select(.pid)) | length >= 1 and
		(map(.gcs) | add) == $rec[0].gcs and (map(.calls) | add) >= $rec[0].f and
		all(.comm == "python3.11" and .interval_ms == 1000)' "$OUT"
	timeout 60 "$USDTCTL" stat -c "$PYTHON_SDT $D/stat.py >/dev/null" >"$OUT" 2>/dev/null
	grep -qE '^PID +COMM +CALLS/s GCS/s$' "$OUT"
	grep -qE '^[0-9]+ +python3.11 +[0-9]+\.[0-9] +[0-9]+\.[0-9]$' "$OUT"
}

@test "stat with no RUNTIME, -p or -c: the processes of every runtime, each in its columns" {
	need_root
	need_cmd "$PYTHON_SDT" ruby
	local py rb
	start_bg 60 "$PYTHON_SDT" "$D/loop.py"
	py=$BG_PID
	wait_output "$BG_OUT" ready 20
	start_bg 60 ruby -e 'puts "ready"; STDOUT.flush; loop { Object.new; sleep 0.01 }'
	rb=$BG_PID
	wait_output "$BG_OUT" ready 20
	rt stat 60 -i 1 -d 3
	# CPython's calls of tick and Ruby's objects, each under its own pid, in one table
	jq -se --argjson py "$py" --argjson rb "$rb" '
		(map(select(.pid == $py)) | length > 0 and (map(.calls) | add) > 0) and
		(map(select(.pid == $rb)) | length > 0 and (map(.objects) | add) > 0)' "$OUT"
}

@test "queries: PostgreSQL 15 latency histogram, and --slower the slow queries with their text" {
	need_root
	local i tag="/* usdtctl-$$-$BATS_TEST_NUMBER */"
	pg_start
	# queries ARGS...: usdtctl queries (system-wide) over the server's 3 slow and 5 quick
	# queries; other servers on the machine may run queries too: --filter keeps this test's
	queries() {
		usdtctl_bg 60 "$OUT" "$ERR" queries --json --filter "arg0 == \"$tag *\"" "$@" \
			postgresql
		for i in 1 2 3; do pg_query "$tag SELECT pg_sleep(0.05)"; done
		for i in 1 2 3 4 5; do pg_query "$tag SELECT 1"; done
		usdtctl_stop
	}
	queries
	jq -se 'map(select(.start == "postgresql:query__start"))[0] |
		.count == 8 and ([.hist[].count] | add) == 8 and .max_ns >= 50000000' "$OUT"
	queries --slower 40ms
	jq -se --arg tag "$tag" 'map(select(.duration_ns)) | length == 3 and
		all(.args[0] == $tag + " SELECT pg_sleep(0.05)" and .duration_ns >= 50000000)' "$OUT"
	jq -se --arg tag "$tag" 'map(select(.query) | {(.query): .count}) | add ==
		{($tag + " SELECT pg_sleep(0.05)"): 3, ($tag + " SELECT 1"): 5}' "$OUT"
}

@test "trace: a probe that needs something says so; CPython's line semaphore raised with -c and -p" {
	need_root
	need_cmd "$PYTHON_SDT" ruby php8.2
	run --separate-stderr timeout 60 "$USDTCTL" trace -c "$PYTHON_SDT $D/calls.py" \
		python:function__entry
	[ "$status" -eq 0 ]
	[ "$(grep -c ' python:function__entry .*calls.py" "f" ' <<<"$output")" -eq \
		"$(grep '^{"f"' <<<"$output" | jq .f)" ]
	[ "$(grep -c "semaphore is raised: usdtctl attaches python:line as well" <<<"$stderr")" -eq 1 ]
	# python:line itself traced: its own attach raises the semaphore, nothing more to say
	run --separate-stderr timeout 60 "$USDTCTL" trace --count -c "$PYTHON_SDT $D/calls.py" \
		'python:function__entry' 'python:line'
	[ "$status" -eq 0 ]
	[[ $stderr != *"semaphore is raised"* ]]
	grep -qE '^python:line +[1-9]' <<<"$output"
	# a running interpreter: raised while traced
	start_bg 60 "$PYTHON_SDT" "$D/loop.py"
	wait_output "$BG_OUT" ready 20
	run --separate-stderr timeout 30 "$USDTCTL" trace --json -p "$BG_PID" -n 3 \
		python:function__entry
	[ "$status" -eq 0 ]
	[ "$(jq -s 'map(select(.args[1] == "tick")) | length' <<<"$output")" -eq 3 ]
	# system-wide, the file named by usdt:PATH alone: python:line raised in that file
	run --separate-stderr timeout 30 "$USDTCTL" trace --json -n 3 --filter 'arg1 == "tick"' \
		"usdt:$PYTHON_SDT:python:function__entry"
	[ "$status" -eq 0 ]
	[ "$(jq -s 'map(select(.args[1] == "tick")) | length' <<<"$output")" -eq 3 ]
	# PHP without -c: what to do; a variable the user set is left alone
	run --separate-stderr timeout 30 "$USDTCTL" trace --json -d 0.1 /usr/bin/php8.2 \
		php:function__entry
	[ "$status" -eq 0 ]
	grep -qx "usdtctl: php:function__entry fires only with USE_ZEND_DTRACE=1 in the program's environment: start it so" <<<"$stderr"
	# left as it is: the script's calls (its record) reach no probe (usdtctl's events)
	run --separate-stderr env USE_ZEND_DTRACE=0 timeout 30 "$USDTCTL" trace --json \
		-c "php8.2 $D/calls.php >$REC" php:function__entry
	[ "$status" -eq 0 ]
	grep -qx "usdtctl: php:function__entry fires only with USE_ZEND_DTRACE=1 in the program's environment; USE_ZEND_DTRACE is '0', left as it is" <<<"$stderr"
	jq -e '."Foo::f" > 0' "$REC"
	[ "$(jq -s 'map(select(.name == "function__entry")) | length' <<<"$output")" -eq 0 ]
	run --separate-stderr timeout 30 "$USDTCTL" trace --json -c "ruby $D/calls.rb >$REC" \
		'ruby:method__entry'
	[ "$status" -eq 0 ]
	grep -qx "usdtctl: ruby:method__entry: they fire only while a TracePoint is enabled in the program: TracePoint.new(:call, :return) {}.enable" <<<"$stderr"
	# calls.rb enables one: its calls are the events, as it records them
	jq -se --slurpfile rec "$REC" '$rec[0].calls as $want |
		map(select(.name == "method__entry") | "\(.args[0]).\(.args[1])" |
		select(in($want))) | group_by(.) | map({(.[0]): length}) | add == $want' \
		<<<"$output"
}

@test "the examples of --help, the man page and the README that run python3 show the calls of app.py" {
	need_root
	need_cmd "$PYTHON_SDT"
	cp "$D/calls.py" "$BATS_TEST_TMPDIR/app.py"
	cd "$BATS_TEST_TMPDIR"
	# as on a Debian system: python3 and python3.11 from /usr/bin
	local f g
	# app.py prints what it called (its record) on the same output
	example() {
		run --separate-stderr env PATH=/usr/bin:/bin timeout 60 "$USDTCTL" "$@"
		[ "$status" -eq 0 ]
		f=$(grep '^{"f"' <<<"$output" | jq .f)
		g=$(grep '^{"f"' <<<"$output" | jq .g)
	}
	example trace -c 'python3 app.py' 'python:function__entry'
	[ "$(grep -c 'app.py" "f"' <<<"$output")" -eq "$f" ]
	example trace -c 'python3.11 app.py' 'python:function__*'
	[ "$(grep -c 'function__return .*app.py" "g"' <<<"$output")" -eq "$g" ]
	example calls -c 'python3 app.py'
	grep -qE "app.py:f +$f$" <<<"$output"
	example calls --latency -c 'python3 app.py'
	grep -qE "app.py:f +$f +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$" <<<"$output"
	example flow -c 'python3 app.py'
	[ "$(grep -cE " -> .*app.py:g$" <<<"$output")" -eq "$g" ]
	example gc -c 'python3 app.py'
	# a collection per line: time, pid, tid, comm, duration, BEGIN's and END's arguments
	grep -qE '^[0-9]+\.[0-9]+ +[0-9]+ +[0-9]+ +python3 +[0-9]+\.[0-9]+ +[0-9]+ \| [0-9]+$' \
		<<<"$output"
}

@test "the runtime catalog: a user's runtime from \$USDTCTL_RUNTIMES; a bad line names file:line" {
	need_root
	need_cmd "$PYTHON_SDT"
	local cat=$BATS_TEST_TMPDIR/my.catalog
	printf '%s\n' '# functions by name alone' 'pyfuncs library /usr/bin/python3.11' \
		'pyfuncs call python:function__entry python:function__return arg1' >"$cat"
	run --separate-stderr env USDTCTL_RUNTIMES="$cat" timeout 60 "$USDTCTL" calls --json \
		-c "$PYTHON_SDT $D/calls.py >$REC" pyfuncs
	[ "$status" -eq 0 ]
	jq -se --slurpfile rec "$REC" 'map(select(.function == "f" or .function == "g") |
		{(.function): .count}) | add == $rec[0]' <<<"$output"
	# the user's entries come first: the shipped ones still serve the rest
	run env USDTCTL_RUNTIMES="$cat" "$USDTCTL" calls --help
	grep -q "Runtimes with call probes: pyfuncs, python, ruby, php, java" <<<"$output"
	printf '%s\n' 'pyfuncs call python:function__entry' >"$cat"
	run --separate-stderr env USDTCTL_RUNTIMES="$cat" "$USDTCTL" calls pyfuncs
	[ "$status" -eq 1 ]
	[ "$stderr" = "usdtctl: $cat:1: expected call PROBE PROBE KEY (PROBE as provider:name, KEY as arg0:arg1)" ]
	printf '%s\n' 'x need y:z env NOEQUALS' >"$cat"
	run --separate-stderr env USDTCTL_RUNTIMES="$cat" timeout 30 "$USDTCTL" trace \
		-c "$PYTHON_SDT -c pass" python:gc__start
	[ "$status" -eq 1 ]
	[ "$stderr" = "usdtctl: $cat:1: expected need PROBE semaphore PROBE, need PROBE env VAR=VALUE or need PROBE says TEXT" ]
	# a runtime the catalog does not know, a role it lacks
	run --separate-stderr "$USDTCTL" calls cobol
	[ "$status" -eq 2 ]
	[ "$stderr" = "usdtctl: calls: unknown runtime 'cobol' (python, ruby, php, java)" ]
	run --separate-stderr "$USDTCTL" gc php
	[ "$status" -eq 1 ]
	[ "$stderr" = "usdtctl: gc: the runtime catalog gives php no gc probes (runtimes with them: python, ruby, java); see 'usdtctl gc --help'" ]
}
