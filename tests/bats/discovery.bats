#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Discovery and output a user keeps: list PROGRAM with the libraries it loads (ruby, a fixture
# found by RUNPATH $ORIGIN), what list searched when nothing matched, trace's did-you-mean,
# DTrace's query-start spelling, -o FILE beside -c's output, --strlen at its edges.
# Expected values come from readelf -n, from the dynamic loader's own "ld.so --list" and from
# the fixtures' "fire" lines. Every usdtctl runs under `timeout`.

bats_require_minimum_version 1.5.0
load helpers

LDSO=/lib64/ld-linux-x86-64.so.2

setup() {
	have_usdtctl
}

# loaded_by PROGRAM: the files the dynamic loader maps for PROGRAM, one a line, as it prints them
loaded_by() {
	"$LDSO" --list "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}

# expected_list PROGRAM: readelf's listing of PROGRAM and of every file the loader maps for it
expected_list() {
	local f
	readelf_list "$1"
	for f in $(loaded_by "$1"); do
		readelf_list "$f"
	done
}

# copy_needed DIR: the needed/ fixture tree (bin/needed_prog, lib/libneeded*.so) copied to DIR
copy_needed() {
	mkdir -p "$1"
	cp -r "$FIXTURES/needed/bin" "$FIXTURES/needed/lib" "$1/"
}

@test "list ruby shows libruby's probes, as readelf -n reads the library the loader resolves" {
	need_cmd ruby readelf
	local ruby libruby
	ruby=$(command -v ruby)
	libruby=$(loaded_by "$ruby" | grep /libruby)
	[ -n "$libruby" ]
	run --separate-stderr timeout 30 "$USDTCTL" list ruby
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# the program's own block first (ruby has none), then its libraries
	[ "$(squeeze <<<"$output" | sort)" = "$(expected_list "$ruby" | sort)" ]
	[ "$(grep -c "^$libruby  ruby:" <<<"$output")" -eq "$(readelf_list "$libruby" | wc -l)" ]
	[ "$(readelf_list "$libruby" | wc -l)" -gt 10 ]
	# the same through its path
	run timeout 30 "$USDTCTL" list "$ruby" 'ruby:method__entry'
	[ "$status" -eq 0 ]
	[ "$(squeeze <<<"$output")" = "$(readelf_list "$libruby" 'ruby:method__entry')" ]
}

@test "list of a program whose libraries are found by RUNPATH \$ORIGIN, in a copy elsewhere" {
	need_cmd readelf
	local d=$BATS_TEST_TMPDIR/copy prog want
	copy_needed "$d"
	prog=$d/bin/needed_prog
	# the fixture's objects are where the loader finds them: in the copy, not in the build tree
	[ "$(loaded_by "$prog" | grep -c "^$d/bin/../lib/libneeded")" -eq 2 ]
	run --separate-stderr timeout 30 "$USDTCTL" list "$prog"
	[ "$status" -eq 0 ]
	want=$(expected_list "$prog")
	[ "$(squeeze <<<"$output")" = "$want" ]
	# the program's block first, one line per probe the fixture describes, in its objects
	[ "$(awk '{ print $2 }' <<<"$output" | xargs)" = "needed:main needed:lib needed:dep" ]
	[ "$("$prog" describe | sed -E 's/^probe ([^ ]+) .* object=(.*)$/\1 \2/')" = \
		"$(awk '{ n = $1; sub(".*/", "", n); print $2, (NR == 1 ? "main" : n) }' <<<"$output")" ]
	# JSON Lines name the same files
	run timeout 30 "$USDTCTL" list --json "$prog"
	[ "$status" -eq 0 ]
	[ "$(jq -r .path <<<"$output" | xargs)" = "$(awk '{ print $1 }' <<<"$want" | xargs)" ]
	# by name through PATH, as the shell finds it
	PATH=$d/bin:$PATH run timeout 30 "$USDTCTL" list needed_prog
	[ "$status" -eq 0 ]
	[ "$(awk '{ print $2 }' <<<"$output" | xargs)" = "needed:main needed:lib needed:dep" ]
}

@test "trace -c and trace TARGET attach to the libraries list shows" {
	need_root
	local d=$BATS_TEST_TMPDIR/copy prog
	copy_needed "$d"
	prog=$d/bin/needed_prog
	run --separate-stderr timeout 30 "$USDTCTL" trace --json -c "$prog 2 >$d/fired" 'needed:*'
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.name) | "fire \(.provider):\(.name) \(.args[0])"' <<<"$output")" = \
		"$(cat "$d/fired")" ]
	# two rounds of every site the fixture describes
	[ "$(grep -c . "$d/fired")" -eq $((2 * $(described_sites "$prog" 'needed:*'))) ]
	# system-wide in a TARGET: its libraries as well
	usdtctl_bg 30 "$d/out" "$d/err" trace -n 1 --json "$prog" 'needed:dep'
	grep -q '^usdtctl: attached 1 sites of 1 probes in 1 objects' "$d/err"
	"$prog" >"$d/fired"
	wait "$USDTCTL_PID"
	[ "$(jq -r 'select(.name) | "fire \(.provider):\(.name) \(.args[0])"' "$d/out")" = \
		"$(grep '^fire needed:dep' "$d/fired")" ]
}

@test "nothing matches: list says what it searched on stderr and exits 0" {
	need_cmd ruby
	local ruby n
	ruby=$(command -v ruby)
	n=$(loaded_by "$ruby" | wc -l)
	run --separate-stderr timeout 30 "$USDTCTL" list ruby 'nosuch:*'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "usdtctl: no probe matches 'nosuch:*' in $ruby and the $n libraries it loads; libraries loaded with dlopen() show with 'usdtctl list -p PID'" ]
	run --separate-stderr timeout 30 "$USDTCTL" list /bin/true
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ $stderr == "usdtctl: no USDT probes in /bin/true and the "*" libraries it loads;"* ]]
	# -p: the objects of the process
	start_bg 30 sleep 30
	run --separate-stderr timeout 30 "$USDTCTL" list -p "$BG_PID" 'nosuch:*'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ $stderr =~ ^usdtctl:\ no\ probe\ matches\ \'nosuch:\*\'\ in\ the\ [0-9]+\ objects\ process\ $BG_PID\ maps$ ]]
}

@test "trace names the closest probes when nothing matches" {
	local d=$BATS_TEST_TMPDIR/copy prog
	copy_needed "$d"
	prog=$d/bin/needed_prog
	run --separate-stderr timeout 30 "$USDTCTL" trace "$prog" 'neded:dep'
	[ "$status" -eq 1 ]
	[ "$stderr" = "usdtctl: no probe matches 'neded:dep' in $prog and the $(loaded_by "$prog" | wc -l) libraries it loads; did you mean needed:dep?" ]
	# no_match PATTERN ENDING: trace PATTERN fails with a line ending in ENDING
	no_match() {
		run --separate-stderr timeout 30 "$USDTCTL" trace "$prog" "$1"
		[ "$status" -eq 1 ]
		[[ $stderr == *"$2" ]]
	}
	# a glob keeps its glob where it matched
	no_match 'neded:*' "; did you mean needed:*?"
	# one letter off, one letter short: the closest name
	no_match 'needed:xep' "; did you mean needed:dep?"
	no_match 'needed:li' "; did you mean needed:lib?"
	# nothing close: where to look
	no_match 'zzzzzz:qqqqqq' "; see 'usdtctl list'"
	# PostgreSQL's provider as people misspell it
	need_cmd readelf
	local pg=/usr/lib/postgresql/15/bin/postgres
	[ -x "$pg" ] || need postgresql-15
	run --separate-stderr timeout 30 "$USDTCTL" trace "$pg" 'postgres:query__start'
	[ "$status" -eq 1 ]
	[[ $stderr == *"; did you mean postgresql:query__start?" ]]
}

@test "DTrace's spelling: query-start matches query__start in list, and '-' in [...] is a range" {
	local pg=/usr/lib/postgresql/15/bin/postgres
	[ -x "$pg" ] || need postgresql-15
	run timeout 30 "$USDTCTL" list "$pg" 'postgresql:query-start'
	[ "$status" -eq 0 ]
	[ "$(squeeze <<<"$output")" = "$(readelf_list "$pg" 'postgresql:query__start')" ]
	run timeout 30 "$USDTCTL" list "$pg" 'postgresql:query-*'
	[ "$status" -eq 0 ]
	[ "$(squeeze <<<"$output")" = "$(readelf_list "$pg" 'postgresql:query__*')" ]
	# a '-' inside [...] is a range, not DTrace's "__"
	run timeout 30 "$USDTCTL" list "$pg" 'postgresql:query__[r-t]tart'
	[ "$status" -eq 0 ]
	[ "$(squeeze <<<"$output")" = "$(readelf_list "$pg" 'postgresql:query__start')" ]
}

@test "DTrace's spelling in trace and latency: python:gc-start fires for gc.collect()" {
	need_root
	need_cmd "$PYTHON_SDT"
	local cmd="$PYTHON_SDT -c 'import gc; [gc.collect() for _ in range(3)]'"
	run --separate-stderr timeout 60 "$USDTCTL" trace --json -c "$cmd" 'python:gc-start'
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.name) | .name' <<<"$output" | sort | uniq -c | awk '$1 >= 3 { print $2 }')" = gc__start ]
	run --separate-stderr timeout 60 "$USDTCTL" latency --json -c "$cmd" 'python:gc-start' 'python:gc-done'
	[ "$status" -eq 0 ]
	jq -se 'map(select(.count)) | length == 1 and .[0].count >= 3' <<<"$output"
}

@test "-o FILE: the trace in the file, -c's output on stdout, none mixed" {
	need_root
	local o=$BATS_TEST_TMPDIR/trace.jsonl TT=$FIXTURES/trace_target
	run --separate-stderr timeout 30 "$USDTCTL" trace --json -o "$o" -c "$TT 2" 'trace:tick'
	[ "$status" -eq 0 ]
	# stdout is the command's own, exactly
	[ "$output" = "$("$TT" 2)" ]
	# the file is the trace's: JSON Lines only, the ticks the command fired, the summary last
	jq -e . "$o" >/dev/null
	[ "$(jq -c 'select(.name == "tick") | .args' "$o" | wc -l)" -eq "$(grep -c '^fire trace:tick' <<<"$output")" ]
	tail -1 "$o" | jq -e '.summary.events == 2'
	# text and aggregates too
	run --separate-stderr timeout 30 "$USDTCTL" trace --count -o "$o" -c "$TT 3" 'trace:tick'
	[ "$status" -eq 0 ]
	[ "$output" = "$("$TT" 3)" ]
	[ "$(squeeze <"$o")" = "$(printf 'PROBE COUNT\ntrace:tick 3')" ]
	run --separate-stderr timeout 30 "$USDTCTL" latency -o "$o" -c "$TT 2" 'trace:tick' 'trace:text'
	[ "$status" -eq 0 ]
	[ "$output" = "$("$TT" 2)" ]
	grep -q 'trace:tick' "$o"
	# a file that cannot be written: a runtime error naming it, before anything is attached
	run --separate-stderr timeout 30 "$USDTCTL" trace -o /nonexistent/x -c "$TT" 'trace:tick'
	[ "$status" -eq 1 ]
	[ "$stderr" = "usdtctl: -o /nonexistent/x: No such file or directory" ]
	[ -z "$output" ]
}

@test "--strlen N: strings of N-1 and N bytes whole, N+1 cut to N with args_truncated" {
	need_root
	local n out
	for n in 1 7 128 1024; do
		out=$BATS_TEST_TMPDIR/fired.$n
		run --separate-stderr timeout 30 "$USDTCTL" trace --json --strlen "$n" \
			-c "$FIXTURES/strlen_target $n >$out" 'strlen:s(str,int)'
		[ "$status" -eq 0 ]
		# one event per string the fixture fired, in order
		[ "$(jq -r 'select(.name) | "fire strlen:s \(.args[1])"' <<<"$output")" = "$(cat "$out")" ]
		jq -se --argjson n "$n" 'map(select(.name)) | length == 3 and all(
			([.args[1], $n] | min) as $m |
			.args[0] == (if $m == 0 then "" else "a" * $m end) and
			(.args_truncated // []) == (if .args[1] > $n then [0] else [] end))' <<<"$output"
	done
	# text: quoted, the cut beside the quotes
	run --separate-stderr timeout 30 "$USDTCTL" trace --strlen 3 -c "$FIXTURES/strlen_target 3 >/dev/null" 'strlen:s(str,int)'
	[ "$status" -eq 0 ]
	[ "$(awk 'NR > 1 { print $6, $7 }' <<<"$output")" = "$(printf '"aa" 2\n"aaa" 3\n"aaa"... 4')" ]
	# without --strlen: 128, as before
	run --separate-stderr timeout 30 "$USDTCTL" trace --json -c "$FIXTURES/strlen_target 128 >/dev/null" 'strlen:s(str,int)'
	[ "$status" -eq 0 ]
	jq -se 'map(select(.name)) | map(.args_truncated // []) == [[], [], [0]]' <<<"$output"
}

@test "--strlen: 0, past the maximum or not a number is a usage error" {
	local bad
	for bad in 0 1025 -1 abc 12x ''; do
		run --separate-stderr "$USDTCTL" trace --strlen "$bad" "$FIXTURES/strlen_target" 'strlen:s'
		[ "$status" -eq 2 ]
		[ "$stderr" = "usdtctl: trace: bad --strlen '$bad' (1 to 1024 bytes)" ]
		[ -z "$output" ]
	done
}

# described_sites PROG GLOB: the sites of the probes matching GLOB, as PROG describes itself
described_sites() {
	local n=0 probe sites
	while read -r _ probe _ sites _; do
		# shellcheck disable=SC2053
		[[ $probe == $2 ]] && n=$((n + ${sites#sites=}))
	done < <("$1" describe)
	echo "$n"
}

# two_waiting: two lib_linked fixtures waiting for rounds on stdin: A, AIN, AOUT, B, BIN, BOUT
two_waiting() {
	start_bg 60 "$FIXTURES/lib_linked" wait
	A=$BG_PID AIN=$BG_IN AOUT=$BG_OUT
	start_bg 60 "$FIXTURES/lib_linked" wait
	B=$BG_PID BIN=$BG_IN BOUT=$BG_OUT
	wait_output "$AOUT" '^pid ' 10
	wait_output "$BOUT" '^pid ' 10
}

@test "several -p: each process traced, the trace ends when the last one exits" {
	need_root
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err tpid i n
	two_waiting
	timeout 60 "$USDTCTL" trace --json -p "$A" -p "$B" 'testlib:call(int,str)' >"$out" 2>"$err" 3>&- &
	tpid=$!
	BG_PIDS+=("$tpid")
	# each process's program and library: four objects
	n=$(described_sites "$FIXTURES/lib_linked" 'testlib:call')
	wait_output "$err" "^usdtctl: attached $((2 * n)) sites of $((2 * n)) probes in 4 objects" 10
	echo >"$AIN"
	echo >"$BIN"
	echo >"$BIN"
	wait_output "$AOUT" 'fire testlib:call 0 lib' 10
	wait_output "$BOUT" 'fire testlib:call 1 lib' 10
	# A gone: B is still traced
	kill "$A"
	sleep 0.5
	kill -0 "$tpid"
	echo >"$BIN"
	wait_output "$BOUT" 'fire testlib:call 2 lib' 10
	# B gone: the trace ends by itself
	kill "$B"
	for ((i = 0; i < 100; i++)); do kill -0 "$tpid" 2>/dev/null || break; sleep 0.1; done
	wait "$tpid"
	[ "$(jq -r --argjson pid "$A" 'select(.pid == $pid) |
		"fire testlib:call \(.args[0]) \(.args[1])"' "$out")" = "$(grep '^fire' "$AOUT")" ]
	[ "$(jq -r --argjson pid "$B" 'select(.pid == $pid) |
		"fire testlib:call \(.args[0]) \(.args[1])"' "$out")" = "$(grep '^fire' "$BOUT")" ]
	# B ran three rounds, A one, of every site
	[ "$(grep -c '^fire' "$BOUT")" -eq $((3 * n)) ]
	[ "$(grep -c '^fire' "$AOUT")" -eq "$n" ]
	tail -1 "$out" | jq -e --argjson n "$((4 * n))" '.summary.events == $n'
}

@test "several -p on latency: pairs of both processes" {
	need_root
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err tpid
	two_waiting
	timeout 60 "$USDTCTL" latency --json --by pid -p "$A" -p "$B" 'testlib:call' 'testlib:guarded' \
		>"$out" 2>"$err" 3>&- &
	tpid=$!
	BG_PIDS+=("$tpid")
	wait_output "$err" '^usdtctl: attached' 10
	echo >"$AIN"
	echo >"$BIN"
	wait_output "$AOUT" 'fire testlib:call 0 lib' 10
	wait_output "$BOUT" 'fire testlib:call 0 lib' 10
	kill "$A" "$B"
	wait "$tpid"
	[ "$(jq -c 'select(.count) | .by.pid' "$out" | sort -n | xargs)" = \
		"$(printf '%s\n' "$A" "$B" | sort -n | xargs)" ]
	# a pid given twice is one process
	run --separate-stderr timeout 10 "$USDTCTL" trace -d 0.2 -p "$$" -p "$$" 'nosuch:x'
	[ "$status" -eq 1 ]
	[[ $stderr == "usdtctl: no probe matches 'nosuch:x' in process $$ ("* ]]
}

@test "list PROGRAM: a program naming more libraries than the search takes lists what was found and says so" {
	need_cmd gcc
	local d=$BATS_TEST_TMPDIR/many rpath= libs=() i
	mkdir -p "$d"
	echo 'int lib_marker;' >"$d/empty.c"
	gcc -shared -fPIC -o "$d/libempty.so" "$d/empty.c"
	# 300 names that will not be found, each looked for in 256 directories: 76,800 files
	for i in $(seq 300); do
		cp "$d/libempty.so" "$d/libgone$i.so"
		libs+=("-lgone$i")
	done
	for i in $(seq 256); do
		rpath+="${rpath:+:}$d/nowhere$i"
	done
	echo 'int main(void) { return 0; }' >"$d/prog.c"
	gcc -o "$d/prog" "$d/prog.c" -L"$d" -Wl,--no-as-needed "${libs[@]}" -Wl,--disable-new-dtags \
		-Wl,-rpath,"$rpath"
	rm -f "$d"/libgone*.so
	[ "$(readelf -d "$d/prog" | grep -c '(NEEDED).*libgone')" -eq 300 ]
	run --separate-stderr timeout 30 "$USDTCTL" list "$d/prog"
	[ "$status" -eq 0 ]
	grep -qxF "usdtctl: warning: $d/prog: not all its libraries listed: it names more than the search takes (4,096 objects, 65,536 files tried)" <<<"$stderr"
	# what was found before the limit is still searched: the program interpreter, found first
	grep -qF "and the 1 libraries it loads" <<<"$stderr"
}
