#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Faults around a running trace: the target exits or execs, its binary is replaced on disk,
# usdtctl itself is SIGKILLed (the kernel must put the semaphores back), and two tracers share
# the same probes. Every process is bounded by a watchdog (start_bg) or `timeout`, and killed
# in teardown.

load helpers

bats_require_minimum_version 1.5.0

# A target with one semaphore-guarded probe, hostile:tick(i). Modes:
#   loop        fires tick(0), tick(1), ... every 10 ms until killed
#   exit N      fires N ticks 10 ms apart, then exits 0
#   exec N P..  fires N ticks 10 ms apart, then execs P with its arguments
#   count N F   waits for file F to exist, then fires N ticks 100 us apart and exits 0
setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	cat >"$BATS_FILE_TMPDIR/target.c" <<'EOF'
#define _SDT_HAS_SEMAPHORES 1
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <unistd.h>

__extension__ unsigned short hostile_tick_semaphore __attribute__((unused))
	__attribute__((section(".probes")));

static void tick(long i)
{
	STAP_PROBE1(hostile, tick, i);
}

int main(int argc, char **argv)
{
	long i, n = argc > 2 ? atol(argv[2]) : 0;
	int loop = argc > 1 && !strcmp(argv[1], "loop");

	if (argc > 3 && !strcmp(argv[1], "count")) {
		while (access(argv[3], F_OK))
			usleep(10000);
		for (i = 0; i < n; i++) {
			tick(i);
			usleep(100);
		}
		return 0;
	}
	for (i = 0; loop || i < n; i++) {
		tick(i);
		usleep(10000);
	}
	if (argc > 3 && !strcmp(argv[1], "exec")) {
		execv(argv[3], argv + 3);
		return 127;
	}
	return 0;
}
EOF
	gcc -O2 -g -fPIE -pie -o "$BATS_FILE_TMPDIR/target" "$BATS_FILE_TMPDIR/target.c"
}

setup() {
	if [ "$(id -u)" -ne 0 ]; then
		[ -n "${CI:-}" ] && { echo "faults.bats needs root, and CI is set" >&2; return 1; }
		skip "needs root"
	fi
	have_usdtctl
	TARGET=$BATS_FILE_TMPDIR/target
}

# start_trace SECONDS ARGS...: `usdtctl trace ARGS` in the background, stdout in $TRACE_OUT,
# stderr in $TRACE_ERR; waits for its readiness line. Sets TRACE_PID.
start_trace() {
	local secs=$1 n=${#BG_PIDS[@]}
	shift
	TRACE_ERR=$BATS_TEST_TMPDIR/trace.$n.err
	start_bg "$secs" bash -c 'exec "$@" 2>"$0"' "$TRACE_ERR" "$USDTCTL" trace "$@"
	TRACE_PID=$BG_PID TRACE_OUT=$BG_OUT
	wait_output "$TRACE_ERR" '^usdtctl: attached [0-9]+ site' 10
}

# wait_exit PID SECONDS: waits for PID (a child of this shell) and returns its exit status;
# 124 if it is still running after SECONDS.
wait_exit() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		running "$1" || break
		sleep 0.1
	done
	running "$1" && return 124
	wait "$1"
}

# running PID: the process exists and is not a zombie waiting to be reaped.
running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	[[ ${stat##*) } != Z* ]]
}

# tick_values FILE: the tick argument of every event in a --json trace output, one per line.
tick_values() {
	jq -r 'select(.provider == "hostile" and .name == "tick") | .args[0]' "$1"
}

# check_clean_end STATUS: a trace that ended by itself: exit 0, every stdout line JSON, nothing
# on stderr but the readiness line and usdtctl's own notes (no sanitizer report, no error).
check_clean_end() {
	[ "$1" -eq 0 ] || { echo "trace exit status $1" >&2; cat "$TRACE_ERR" >&2; return 1; }
	jq -e . "$TRACE_OUT" >/dev/null || { echo "bad JSON output" >&2; return 1; }
	! grep -E 'ERROR|runtime error|error:|Segmentation|Aborted' "$TRACE_ERR"
}

# trace_to_target_end ARGS...: traces hostile:tick (--json) in "$TARGET ARGS" from its start
# until it ends; the trace must then end cleanly by itself. Leaves TRACE_OUT.
trace_to_target_end() {
	local target rc=0
	start_bg 30 "$TARGET" "$@"
	target=$BG_PID
	start_trace 30 --json -p "$target" 'hostile:tick'
	wait_exit "$target" 10 || true
	wait_exit "$TRACE_PID" 5 || rc=$?
	check_clean_end "$rc"
}

# sema_value PID FILE: the target's hostile:tick semaphore as its memory holds it. The address
# comes from `usdtctl list --json`, the load base from /proc/PID/maps (offset 0 mapping);
# cross-checked against the mapping that holds the semaphore's file offset.
sema_value() {
	local pid=$1 file=$2 json vaddr off base='' addr addr2='' range perms moff dev inode path
	json=$("$USDTCTL" list --json "$file" 'hostile:tick')
	vaddr=$(jq -r '.sites[0].semaphore' <<<"$json")
	off=$(jq -r '.sites[0].semaphore_offset' <<<"$json")
	[ "$vaddr" != null ] && [ "$off" != null ] || { echo "no semaphore in: $json" >&2; return 1; }
	while read -r range perms moff dev inode path; do
		[ "$path" = "$file" ] || continue
		[ -z "$base" ] && [ $((0x$moff)) -eq 0 ] && base=$((0x${range%-*}))
		if ((off >= 0x$moff && off < 0x$moff + 0x${range#*-} - 0x${range%-*})); then
			addr2=$((0x${range%-*} + off - 0x$moff))
		fi
	done <"/proc/$pid/maps"
	[ -n "$base" ] || { echo "$file not mapped by $pid" >&2; return 1; }
	addr=$((base + vaddr))
	[ "$addr" = "$addr2" ] || { echo "semaphore at $addr by vaddr, $addr2 by offset" >&2; return 1; }
	dd if="/proc/$pid/mem" bs=2 count=1 skip="$addr" iflag=skip_bytes 2>/dev/null |
		od -An -tu2 | tr -d ' '
}

# wait_sema PID FILE VALUE SECONDS: waits until the semaphore reads VALUE.
wait_sema() {
	local i v
	for ((i = 0; i < $4 * 10; i++)); do
		v=$(sema_value "$1" "$2") || return 1
		[ "$v" = "$3" ] && return 0
		sleep 0.1
	done
	echo "semaphore is $v, expected $3" >&2
	return 1
}

@test "trace -p: the target exits mid-trace, the trace ends cleanly" {
	trace_to_target_end exit 300
	# ticks seen until the exit, the last ones included
	[ "$(tick_values "$TRACE_OUT" | wc -l)" -gt 10 ]
	[ "$(tick_values "$TRACE_OUT" | tail -1)" -eq 299 ]
}

@test "trace -c: the command's every event is seen, and the trace ends when it exits" {
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err rc=0
	timeout 30 "$USDTCTL" trace --json -c "$TARGET exit 50" 'hostile:tick' >"$out" 2>"$err" ||
		rc=$?
	TRACE_OUT=$out TRACE_ERR=$err
	check_clean_end "$rc"
	[ "$(tick_values "$out" | tr '\n' ' ')" = "$(seq -s ' ' 0 49) " ]
}

@test "trace -p: the target execs another program mid-trace, the trace ends cleanly" {
	# the process lives on as sleep, without the probe, then exits
	trace_to_target_end exec 200 /bin/sleep 1
	[ "$(tick_values "$TRACE_OUT" | tail -1)" -eq 199 ]
}

@test "the traced binary is replaced on disk: the running process is still traced" {
	local bin=$BATS_TEST_TMPDIR/target before after
	cp "$TARGET" "$bin"
	start_bg 60 "$bin" loop
	local target=$BG_PID
	start_trace 60 --json -p "$target" 'hostile:tick'
	wait_output "$TRACE_OUT" '"name":"tick"' 5
	# an upgrade: a new file renamed over the old path (the process keeps the old inode)
	cp "$TARGET" "$bin.new"
	echo "// changed" >>"$bin.new"
	mv -f "$bin.new" "$bin"
	sleep 0.5
	before=$(tick_values "$TRACE_OUT" | tail -1)
	sleep 1
	after=$(tick_values "$TRACE_OUT" | tail -1)
	[ "$after" -gt "$before" ]
	kill -0 "$TRACE_PID"
	# a new tracer of the same process sees its events too, or says why it cannot
	run --separate-stderr timeout 15 "$USDTCTL" trace --json -n 3 -p "$target" 'hostile:tick'
	if [ "$status" -eq 0 ]; then
		[ "$(jq -r 'select(.provider == "hostile" and .name == "tick") | .args[0]' <<<"$output" | wc -l)" -eq 3 ]
	else
		[ "$status" -eq 1 ]
		[ "${#stderr_lines[@]}" -ge 1 ]
		[[ ${stderr_lines[-1]} == usdtctl:* ]]
	fi
	kill "$target"
	rc=0
	wait_exit "$TRACE_PID" 5 || rc=$?
	check_clean_end "$rc"
}

@test "usdtctl SIGKILLed mid-trace: the semaphore goes back to 0 and a new trace works" {
	start_bg 60 "$TARGET" loop
	local target=$BG_PID
	wait_sema "$target" "$TARGET" 0 5
	start_trace 60 --json -p "$target" 'hostile:tick'
	wait_sema "$target" "$TARGET" 1 5
	kill -KILL "$TRACE_PID"
	wait "$TRACE_PID" || true
	# the kernel drops the uprobes, and their semaphore references, with the last link fd
	wait_sema "$target" "$TARGET" 0 10
	run --separate-stderr timeout 15 "$USDTCTL" trace --json -n 5 -p "$target" 'hostile:tick'
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.provider == "hostile" and .name == "tick") | .args[0]' <<<"$output" | wc -l)" -eq 5 ]
	wait_sema "$target" "$TARGET" 0 10
}

@test "one of two traces SIGKILLed: the other keeps its events and the semaphore" {
	local first second before
	start_bg 60 "$TARGET" loop
	local target=$BG_PID
	start_trace 60 --json -p "$target" 'hostile:tick'
	first=$TRACE_PID
	start_trace 60 --json -p "$target" 'hostile:tick'
	second=$TRACE_PID
	kill -KILL "$first"
	wait "$first" || true
	sleep 0.5
	wait_sema "$target" "$TARGET" 1 1
	before=$(tick_values "$TRACE_OUT" | wc -l)
	sleep 0.5
	[ "$(tick_values "$TRACE_OUT" | wc -l)" -gt "$before" ]
	kill -INT "$second"
	rc=0
	wait_exit "$second" 5 || rc=$?
	check_clean_end "$rc"
	wait_sema "$target" "$TARGET" 0 10
}

@test "two traces of the same probes at once both see every event" {
	local trigger=$BATS_TEST_TMPDIR/go out1 out2 err1 pid1 pid2
	start_bg 60 "$TARGET" count 1000 "$trigger"
	local target=$BG_PID
	start_trace 60 --json -n 1000 -p "$target" 'hostile:tick'
	pid1=$TRACE_PID out1=$TRACE_OUT err1=$TRACE_ERR
	start_trace 60 --json -n 1000 -p "$target" 'hostile:tick'
	pid2=$TRACE_PID out2=$TRACE_OUT
	# one breakpoint per site whatever the number of tracers: the kernel counts it once
	wait_sema "$target" "$TARGET" 1 5
	touch "$trigger"
	rc=0
	wait_exit "$pid1" 20 || rc=$?
	TRACE_OUT=$out1 TRACE_ERR=$err1 check_clean_end "$rc"
	rc=0
	wait_exit "$pid2" 20 || rc=$?
	TRACE_OUT=$out2 check_clean_end "$rc"
	[ "$(tick_values "$out1" | tr '\n' ' ')" = "$(seq -s ' ' 0 999) " ]
	[ "$(tick_values "$out2" | tr '\n' ' ')" = "$(seq -s ' ' 0 999) " ]
}
