#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# usdtctl trace following processes: -c through a shim that execs the real program, VAR=value
# and env, a forking server's workers, a dlopened library, java's dlopened libjvm; -p --follow;
# --cgroup; every process (no TARGET). Each compares every event, from the first, with the
# fixture's own record ("fire PROVIDER:NAME ARGS" lines, or java's -Xlog:class+load).

bats_require_minimum_version 1.5.0
load helpers

setup() {
	need_root
	have_usdtctl
	FS=$FIXTURES/fork_server
	SHIM=$BATS_TEST_TMPDIR/shim
}

# shim PROG: a script that execs PROG with its arguments, as pyenv's shims do
make_shim() {
	printf '#!/bin/sh\nexec %s "$@"\n' "$1" >"$SHIM"
	chmod +x "$SHIM"
}

# fired FILE: the fixture's "fire" lines as "provider:name a b ..."
fired() {
	sed -n 's/^fire //p' "$1"
}

# end_round: what start_bg started is stopped, its files gone: a background usdtctl of the next
# round truncates t.err only once it runs, and must not be taken for ready by the last's line
end_round() {
	stop_bg || true
	rm -f "$BATS_TEST_TMPDIR"/bg.* "$BATS_TEST_TMPDIR/t.out" "$BATS_TEST_TMPDIR/t.err"
}

# server_sites: the fork_server fixture's server:* sites, as readelf counts them
server_sites() {
	readelf_sites "$FS" | jq -s 'map(select(.provider == "server")) | length'
}

# wait_state PATTERN STATE SECONDS: the process whose command line matches PATTERN (pgrep -f)
# is in STATE (/proc/PID/stat: S sleeping, T stopped) within SECONDS
wait_state() {
	local i pid state
	for ((i = 0; i < $3 * 10; i++)); do
		pid=$(pgrep -f "$1" || true)
		state=$([ -n "$pid" ] && awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
		[ "$state" = "$2" ] && return 0
		sleep 0.1
	done
	echo "no process '$1' in state $2 (last: '$state')" >&2
	return 1
}

# trace_server [-f]: usdtctl trace -p of the fork_server start_bg started (waiting for its
# line), which then forks its workers: with -f every event it announced, without it the
# parent's only
trace_server() {
	local tr
	"$USDTCTL" trace --json -p "$BG_PID" $1 'server:*' >"$BATS_TEST_TMPDIR/t.out" \
		2>"$BATS_TEST_TMPDIR/t.err" 3>&- &
	tr=$!
	bound_bg "$tr" 60
	wait_output "$BATS_TEST_TMPDIR/t.err" "^usdtctl: attached $(server_sites) sites" 10
	echo go >"$BG_IN"
	wait_output "$BG_OUT" '^fire server:done' 10
	# the trace ends with the process it traces, and says so as it should
	wait "$tr"
	grep -qE '^usdtctl: [0-9]+ events, ' "$BATS_TEST_TMPDIR/t.err"
	if [ -n "$1" ]; then
		[ "$(events <"$BATS_TEST_TMPDIR/t.out")" = "$(fired "$BG_OUT")" ]
	else
		[ "$(events <"$BATS_TEST_TMPDIR/t.out")" = "$(fired "$BG_OUT" | grep done)" ]
	fi
}

# events: usdtctl's JSON events as "provider:name a b ..."
events() {
	jq -r 'select(.name) | "\(.provider):\(.name) \(.args | map(tostring) | join(" "))"'
}

@test "-c through a shim script that execs the program: its dlopened library's probes from the first hit" {
	make_shim "$FIXTURES/lib_dlopen"
	run --separate-stderr timeout 30 "$USDTCTL" trace --json -c "$SHIM 3 >$BATS_TEST_TMPDIR/fired" 'testlib:*'
	[ "$status" -eq 0 ]
	# the string argument is a pointer: printed as a number, compared by the integers
	got=$(events <<<"$output" | awk '{print $1, $2}')
	want=$(fired "$BATS_TEST_TMPDIR/fired" | awk '{print $1, $2}')
	[ -n "$want" ]
	[ "$got" = "$want" ]
}

@test "-c 'VAR=value cmd' and -c 'env VAR=value cmd' run and are traced" {
	local how
	for how in "FOLLOW_VAR=1" "env FOLLOW_VAR=1"; do
		run --separate-stderr timeout 30 "$USDTCTL" trace --json \
			-c "$how $FS 2 >$BATS_TEST_TMPDIR/fired" 'server:*'
		[ "$status" -eq 0 ]
		[ "$(jq -r 'select(.summary) | .summary.exit_status' <<<"$output")" = 0 ]
		[ "$(events <<<"$output")" = "$(fired "$BATS_TEST_TMPDIR/fired")" ]
	done
}

@test "-c: a forking server's workers fire the probes, through a shim" {
	make_shim "$FS"
	run --separate-stderr timeout 30 "$USDTCTL" trace --json -c "$SHIM 5 >$BATS_TEST_TMPDIR/fired" 'server:*'
	[ "$status" -eq 0 ]
	[ "$(fired "$BATS_TEST_TMPDIR/fired" | wc -l)" -eq 6 ]
	[ "$(events <<<"$output")" = "$(fired "$BATS_TEST_TMPDIR/fired")" ]
	# each worker's event comes from the worker's own pid
	[ "$(jq -r 'select(.name == "work") | "\(.pid)"' <<<"$output")" = \
		"$(jq -r 'select(.name == "work") | "\(.args[1])"' <<<"$output")" ]
}

@test "-c: a process whose main thread exits stays followed, and so do its children" {
	run --separate-stderr timeout 30 "$USDTCTL" trace --count --json \
		-c "$TT orphan 50 >$BATS_TEST_TMPDIR/fired" trace:tick
	[ "$status" -eq 0 ]
	# the fixture's record: ticks fired by the surviving thread and by its child
	[ "$(jq -s 'map(select(.name == "tick") | .count) | add' <<<"$output")" -eq \
		"$(sed -n 's/^ticks //p' "$BATS_TEST_TMPDIR/fired")" ]
}

@test "-p PID --follow adds the processes PID forks; without it, PID alone" {
	local follow
	for follow in -f ""; do
		start_bg 30 "$FS" wait 4
		wait_output "$BG_OUT" '^pid ' 10
		trace_server "$follow"
		end_round
	done
}

@test "-c 'java App': hotspot:class__loaded in the dlopened libjvm, every class from the first" {
	local java=/usr/lib/jvm/java-17-openjdk-amd64/bin
	[ -x "$java/javac" ] || need openjdk-17-jdk-headless
	cp "$SRC_DIR/tests/java/App.java" "$BATS_TEST_TMPDIR/"
	timeout 60 "$java/javac" -d "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/App.java"
	run --separate-stderr timeout 60 "$USDTCTL" trace --json -c \
		"$java/java -Xlog:class+load:file=$BATS_TEST_TMPDIR/cl.log -cp $BATS_TEST_TMPDIR App >/dev/null" \
		'hotspot:class__loaded'
	[ "$status" -eq 0 ]
	got=$(jq -r 'select(.name) | .args[0]' <<<"$output" | tr / . | sed 's/+0x/.0x/')
	want=$(sed -n 's/.*\[class,load\] \([^ ]*\) source.*/\1/p' "$BATS_TEST_TMPDIR/cl.log" | tr / .)
	[ "$(wc -l <<<"$want")" -gt 100 ]
	[ "$(head -1 <<<"$got")" = java.lang.Object ]
	[ "$got" = "$want" ]
}

@test "--cgroup PATH and ID: only the processes of that cgroup v2 and below" {
	local root cg arg
	root=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
	[ -n "$root" ] || need "cgroup v2"
	cg=$root/usdtctl-follow-$$
	mkdir -p "$cg/sub"
	for arg in "${cg#"$root"/}" "$(stat -c %i "$cg")"; do
		start_bg 30 sh -c "echo \$\$ >$cg/sub/cgroup.procs && exec $FS wait 2"
		local inside=$BG_PID inside_out=$BG_OUT inside_in=$BG_IN
		start_bg 30 "$FS" wait 2
		wait_output "$inside_out" '^pid ' 10
		wait_output "$BG_OUT" '^pid ' 10
		"$USDTCTL" trace --json --cgroup "$arg" "$FS" 'server:*' \
			>"$BATS_TEST_TMPDIR/t.out" 2>"$BATS_TEST_TMPDIR/t.err" 3>&- &
		local tr=$!
		bound_bg "$tr" 60
		wait_output "$BATS_TEST_TMPDIR/t.err" '^usdtctl: attached' 10
		echo go >"$inside_in"
		echo go >"$BG_IN"
		wait_output "$inside_out" '^fire server:done' 10
		wait_output "$BG_OUT" '^fire server:done' 10
		kill -INT "$tr"
		wait_output "$BATS_TEST_TMPDIR/t.err" 'events' 10
		[ "$(events <"$BATS_TEST_TMPDIR/t.out")" = "$(fired "$inside_out")" ]
		[ "$(jq -r 'select(.name == "done") | .pid' <"$BATS_TEST_TMPDIR/t.out")" = "$inside" ]
		end_round
	done
	rmdir "$cg/sub" "$cg"
}

@test "no TARGET: a process started after the trace is ready, and one with its own copy in its own mount namespace" {
	need_cmd unshare
	"$USDTCTL" trace --json 'server:*' >"$BATS_TEST_TMPDIR/t.out" 2>"$BATS_TEST_TMPDIR/t.err" 3>&- &
	local tr=$!
	bound_bg "$tr" 60
	wait_output "$BATS_TEST_TMPDIR/t.err" '^usdtctl: attached' 30
	timeout 20 "$FS" 2 >"$BATS_TEST_TMPDIR/fired"
	# a new inode: a copy of the program in a private tmpfs of its own mount namespace
	timeout 20 unshare -m sh -c "mount -t tmpfs none /mnt && cp $FS /mnt/fs && /mnt/fs 3" \
		>>"$BATS_TEST_TMPDIR/fired"
	sleep 0.5
	kill -INT "$tr"
	wait_output "$BATS_TEST_TMPDIR/t.err" 'events' 10
	[ "$(events <"$BATS_TEST_TMPDIR/t.out")" = "$(fired "$BATS_TEST_TMPDIR/fired")" ]
}

@test "usdtctl killed while a followed process is stopped for it: the guard continues the process" {
	local go=$BATS_TEST_TMPDIR/go fired=$BATS_TEST_TMPDIR/fired i
	mkfifo "$go"
	# bounded too: cat waits on the fifo until the test writes it, which a failure skips
	"$USDTCTL" trace -c "timeout 60 cat $go >/dev/null; $FS 2 >$fired" 'server:*' \
		>"$BATS_TEST_TMPDIR/t.out" 2>"$BATS_TEST_TMPDIR/t.err" 3>&- &
	local tr=$!
	bound_bg "$tr" 60
	wait_output "$BATS_TEST_TMPDIR/t.err" '^usdtctl: attached' 10
	# the shell and cat past their own stops (cat waits in the fifo's open): else usdtctl,
	# stopped, would leave cat stopped and nothing to read the fifo
	wait_state "^cat $go" S 10
	# usdtctl cannot answer: the new program stays stopped at its exec
	kill -STOP "$tr"
	echo go >"$go"
	wait_state "^$FS 2" T 5
	kill -KILL "$tr"
	for ((i = 0; i < 50; i++)); do
		grep -q '^fire server:done' "$fired" 2>/dev/null && break
		sleep 0.1
	done
	# it ran to its end, untraced
	grep -q '^fire server:done 2$' "$fired"
}

@test "list with no TARGET: every process's objects, each file once, with the pids that map it" {
	start_bg 30 "$FS" wait 1
	local a=$BG_PID a_out=$BG_OUT
	start_bg 30 "$FS" wait 1
	wait_output "$a_out" '^pid ' 10
	wait_output "$BG_OUT" '^pid ' 10
	run --separate-stderr timeout 60 "$USDTCTL" list --json 'server:*'
	[ "$status" -eq 0 ]
	# the fixture's file once per probe, its probes as listing the file itself shows them
	[ "$(jq -c 'select(.path == "'"$FS"'") | del(.pids)' <<<"$output")" = \
		"$(timeout 10 "$USDTCTL" list --json "$FS" 'server:*')" ]
	[ "$(jq -r 'select(.path == "'"$FS"'") | .pids | sort | map(tostring) | join(" ")' <<<"$output" | sort -u)" = \
		"$(printf '%s\n' "$a" "$BG_PID" | sort -n | tr '\n' ' ' | sed 's/ $//')" ]
}

@test "an i386 process from the 64-bit usdtctl: every argument shape and strings, as the fixture announces" {
	local f=$FIXTURES/usdt_args32 out=$BATS_TEST_TMPDIR/fixture.out
	[ -x "$f" ] || need "gcc-multilib (usdt_args32)"
	[ "$(od -An -tx1 -j4 -N1 "$f" | tr -d ' ')" = 01 ] # ELFCLASS32
	printf 'fire\nlib\nquit\n' >"$BATS_TEST_TMPDIR/cmds"
	run --separate-stderr timeout 30 "$USDTCTL" trace --json -c "$f <$BATS_TEST_TMPDIR/cmds >$out" 'args*:*'
	[ "$status" -eq 0 ]
	[ "$(grep -c '^expect' "$out")" -ge 18 ]
	"$PY" "$SRC_DIR/tests/bats/expect_oracle.py" "$out" <(echo "$output")
	# 32-bit pointers read as strings
	run --separate-stderr timeout 30 "$USDTCTL" trace --json -c "$f <$BATS_TEST_TMPDIR/cmds >/dev/null" \
		'argslib:call(int,str)'
	[ "$(jq -c 'select(.name) | .args' <<<"$output")" = \
		"[$(sed -n 's|^expect argslib:call 2 \(-*[0-9]*\)/.*|\1|p' "$out"),\"lib\"]" ]
}

@test "a binary replaced with mv while its process runs: traced through map_files, -p and -p --follow" {
	local bin=$BATS_TEST_TMPDIR/server follow
	for follow in "" -f; do
		cp "$FS" "$bin"
		start_bg 30 "$bin" wait 2
		wait_output "$BG_OUT" '^pid ' 10
		# an upgrade: a new file renamed over the path; the process keeps the old inode
		cp /bin/true "$bin.new"
		mv "$bin.new" "$bin"
		grep -q "$bin (deleted)" "/proc/$BG_PID/maps"
		trace_server "$follow"
		end_round
	done
}
