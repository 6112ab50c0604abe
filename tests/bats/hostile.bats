#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Hostile processes and files (issue 18): a container or chroot that plants a symlink to a host
# file or a FIFO where its mapped objects were, a file truncated while it is read, FIFOs and
# devices as TARGET or catalog, a sparse 4 GiB note section, thousands of unusable sites, a -p
# target that exits or whose pid is reused before the attach, a ring buffer that cannot be
# created, overlayfs across two file systems, processes firing a probe nonstop into a slow
# output. Every process is bounded by `timeout` or start_bg's watchdog and killed in teardown.

load helpers

bats_require_minimum_version 1.5.0



setup() {
	have_usdtctl
	# a host file with probes of its own (provider "test") that no container can reach
	SECRET=$BATS_TEST_TMPDIR/host/secret.so
	mkdir -p "${SECRET%/*}"
	cp "$FIXTURES/probes_pie" "$SECRET"
}

# make_root DIR: a root with /usr from the host and lib_linked + libtestprobes.so in /fx.
make_root() {
	mkdir -p "$1/fx" "$1/usr" "$1/dev" "$1/proc" "$1/oldroot"
	ln -s usr/lib "$1/lib"
	ln -s usr/lib64 "$1/lib64"
	ln -s usr/bin "$1/bin"
	cp "$FIXTURES/lib_linked" "$FIXTURES/libtestprobes.so" "$1/fx/"
}

# "PATH provider:name" per probe of `usdtctl list --json -p PID`, sorted.
probes_of() {
	jq -r '"\(.path) \(.provider):\(.name)"' <<<"$1" | sort | xargs
}

WANT="/fx/lib_linked testlib:call /fx/libtestprobes.so testlib:call /fx/libtestprobes.so testlib:guarded"

# check_planted PID DIR: with DIR/libtestprobes.so planted as a symlink to a host file (then to
# /etc/shadow, /nonexistent, /root) and DIR/lib_linked as a FIFO, list -p and trace -p show
# and attach the files the process maps, under its own paths, alike whatever the symlink names.
check_planted() {
	local pid=$1 dir=$2 first target
	ln -sfn "$SECRET" "$dir/libtestprobes.so"
	mkfifo "$dir/lib_linked"
	run --separate-stderr timeout 10 "$USDTCTL" list --json -p "$pid"
	[ "$status" -eq 0 ]
	[ "$(probes_of "$output")" = "$WANT" ]
	[[ "$output$stderr" != */proc/* ]]
	first=$output
	for target in /etc/shadow /nonexistent /root; do
		ln -sfn "$target" "$dir/libtestprobes.so"
		run --separate-stderr timeout 10 "$USDTCTL" list --json -p "$pid"
		[ "$status" -eq 0 ]
		[ "$output" = "$first" ]
		[ -z "$stderr" ]
	done
	ln -sfn "$SECRET" "$dir/libtestprobes.so"
	run --separate-stderr timeout 20 "$USDTCTL" trace -p "$pid" 'test:*' -d 0.1
	[ "$status" -eq 1 ]
	[[ $stderr == "usdtctl: no probe matches 'test:*' in process $pid"* ]]
	run --separate-stderr timeout 20 "$USDTCTL" trace -p "$pid" 'testlib:*' -d 0.1
	[ "$status" -eq 0 ]
	[[ $stderr == *"attached 3 sites of 3 probes in 2 objects"* ]]
}

@test "-p in a pivot_root container: a planted symlink or FIFO at a mapped path changes nothing" {
	need_root
	need_cmd unshare pivot_root jq
	local R=$BATS_TEST_TMPDIR/root init pid
	make_root "$R"
	# after the start, an empty tmpfs covers /fx: the mapped paths name what is planted there
	start_bg 60 unshare --mount --pid --fork --propagation private bash -c '
		set -e
		mount --bind "$1" "$1"
		mount --rbind /usr "$1/usr"
		mount --rbind /dev "$1/dev"
		cd "$1"
		pivot_root . oldroot
		mount -t proc proc /proc
		umount -l /oldroot
		LD_LIBRARY_PATH=/fx /fx/lib_linked wait 0<&0 &
		until grep -q libtestprobes /proc/$!/maps 2>/dev/null; do sleep 0.05; done
		mount -t tmpfs tmpfs /fx
		echo ready
		wait' _ "$R"
	wait_output "$BG_OUT" '^ready' 10
	init=$(pgrep -P "$BG_PID")
	pid=$(pgrep -P "$init" -x lib_linked)
	[ -n "$pid" ]
	check_planted "$pid" "/proc/$pid/root/fx"
}

@test "-p in a chroot: the process's paths, not the planted ones under /proc/PID/root/ROOT" {
	need_root
	need_cmd chroot jq
	local R=$BATS_TEST_TMPDIR/croot
	make_root "$R"
	start_bg 60 unshare --mount --propagation private bash -c '
		mount --rbind /usr "$1/usr"
		exec chroot "$1" /usr/bin/env LD_LIBRARY_PATH=/fx /fx/lib_linked wait' _ "$R"
	wait_output "$BG_OUT" '^pid ' 10
	# the maps show host paths; joined to /proc/PID/root they name this directory
	mkdir -p "$R$R/fx"
	check_planted "$BG_PID" "$R$R/fx"
}

@test "list -v on a file truncated while it is read: an error at worst, never SIGBUS" {
	local big=$BATS_TEST_TMPDIR/big i
	"$FIXTURES/mkelf" -g 400000 -G 4000 -A '-4@%edi 8@%rsi -8@-%u(%rbp)' "$big.orig"
	for i in 1 2 3 4 5; do
		cp "$big.orig" "$big"
		(sleep "0.$((RANDOM % 4 + 1))" && truncate -s 8192 "$big") &
		run timeout 60 "$USDTCTL" list -v "$big"
		wait
		echo "run $i: status $status" >&2
		[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	done
}

@test "a FIFO or a device as TARGET or -c program: refused at once, one line naming it" {
	local fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	for t in "$fifo" /dev/zero; do
		run --separate-stderr timeout 10 "$USDTCTL" list "$t"
		[ "$status" -eq 1 ]
		[ "$stderr" = "usdtctl: $t: not an ELF file, or its headers or notes are malformed" ]
	done
	need_root
	run --separate-stderr timeout 10 "$USDTCTL" trace "$fifo" 'a:b' -d 0.1
	[ "$status" -eq 1 ]
	[ "$stderr" = "usdtctl: $fifo: not an ELF file, or its headers or notes are malformed" ]
	run --separate-stderr timeout 10 "$USDTCTL" trace -c "$fifo" 'a:b' -d 0.1
	[ "$status" -eq 1 ]
	[[ $stderr == *"usdtctl: $fifo: not an ELF file"* ]]
}

@test "catalogs: a FIFO, /dev/zero, over 1 MiB or a line over 4096 characters are skipped" {
	need_root
	local fifo=$BATS_TEST_TMPDIR/fifo big=$BATS_TEST_TMPDIR/big.catalog
	local long=$BATS_TEST_TMPDIR/long.catalog cat
	mkfifo "$fifo"
	head -c 2000000 /dev/zero | tr '\0' '#' >"$big"
	{
		printf 'trace:tick(hex,int,int) # %05000d\n' 0
		printf 'trace:tick(int,hex,int)\n'
	} >"$long"
	for cat in "$fifo" /dev/zero "$big"; do
		run --separate-stderr timeout 10 env USDTCTL_CATALOG="$cat" \
			"$USDTCTL" trace "$FIXTURES/trace_target" 'trace:tick' -d 0.1
		[ "$status" -eq 0 ]
		[[ ${stderr%%$'\n'*} == "usdtctl: warning: $cat: "*"; catalog skipped" ]]
	done
	# the long line is skipped, the next one applies: the second argument prints in hex
	start_bg 30 "$FIXTURES/trace_target" wait
	wait_output "$BG_OUT" '^pid ' 10
	USDTCTL_CATALOG="$long" timeout 20 "$USDTCTL" trace -p "$BG_PID" 'trace:tick' -n 1 \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	wait_output "$BATS_TEST_TMPDIR/err" attached 10
	echo >"$BG_IN"
	wait $!
	cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err" >&2
	[ "$(head -1 "$BATS_TEST_TMPDIR/err")" = \
		"usdtctl: warning: $long:1: longer than 4096 characters; line skipped" ]
	grep -q 'trace:tick .*0x' "$BATS_TEST_TMPDIR/out"
}

@test "a sparse file with a 4 GiB note section is refused at once, in bounded memory" {
	local elf=$BATS_TEST_TMPDIR/sparse
	"$PY" - "$elf" <<'EOF'
import struct, sys
names = b"\0.shstrtab\0.note.stapsdt\0"
ehdr = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0, 0, 64, 0,
							  64, 56, 0, 64, 3, 1)
shdr = lambda name, typ, off, size: struct.pack("<IIQQQQIIQQ", name, typ, 0, 0, off, size, 0,
						 0, 1, 0)
with open(sys.argv[1], "wb") as f:
	f.write(ehdr + shdr(0, 0, 0, 0) + shdr(1, 3, 256, len(names)) +
		shdr(11, 7, 4096, 4 << 30) + names)
	f.truncate(4096 + (4 << 30))
EOF
	run --separate-stderr /usr/bin/time -f '%e s %M KiB' timeout 20 "$USDTCTL" list "$elf"
	echo "$stderr" >&2
	[ "$status" -eq 1 ]
	[ "${stderr%%$'\n'*}" = \
		"usdtctl: $elf: its notes or section names are larger than the limit (128 MiB)" ]
	local secs kib
	read -r secs _ kib _ <<<"${stderr##*$'\n'}"
	# was 9.7 s and 4.2 GB
	[ "${secs%.*}" -lt 5 ]
	[ "$kib" -lt 102400 ]
}

@test "2,000 unusable sites: list and trace name a few and count the others in one line" {
	need_root
	local elf=$BATS_TEST_TMPDIR/bad bad=2000 notes=(-p 'bad:p:0x401000:0:') i named skipped rest
	# a semaphore in the text, which the kernel cannot raise
	for ((i = 0; i < bad; i++)); do notes+=(-p 'bad:p:0x401001:0x401000:'); done
	"$FIXTURES/mkelf" "${notes[@]}" "$elf"
	run --separate-stderr timeout 20 "$USDTCTL" list "$elf"
	[ "$status" -eq 0 ]
	named=$(grep -cF "$elf: probe bad:p at 0x401001: semaphore outside" <<<"$stderr")
	[ "$named" -gt 0 ]
	[ "$named" -lt 20 ]
	[ "$(wc -l <<<"$stderr")" -eq $((named + 1)) ]
	[ "${stderr##*$'\n'}" = \
		"usdtctl: warning: $elf: $((bad - named)) more sites unusable, not named one by one" ]
	run --separate-stderr timeout 20 "$USDTCTL" trace -d 0.1 "$elf" 'bad:*'
	[ "$status" -eq 0 ]
	skipped=$(grep -cF "$elf: site bad:p at 0x401001 skipped: semaphore outside" <<<"$stderr")
	[ "$skipped" -gt 0 ]
	[ "$skipped" -lt 20 ]
	rest="$((bad - skipped)) more bad sites skipped, not named one by one"
	grep -qxF "usdtctl: warning: $elf: $rest" <<<"$stderr"
	[[ $stderr == *"attached 1 sites of 1 probes in 1 objects"* ]]
}

@test "trace -p: a target that exits before the attach gives one line, no internal path" {
	need_root
	need_cmd strace
	start_bg 30 "$FIXTURES/lib_linked" wait
	wait_output "$BG_OUT" '^pid ' 10
	# the first bpf() call (the loading, after the scan) waits 2 s; the target exits meanwhile
	(sleep 1 && kill -KILL "$BG_PID") &
	run --separate-stderr timeout 20 strace -f -o /dev/null \
		-e inject=bpf:delay_enter=2000000:when=1 "$USDTCTL" trace -p "$BG_PID" 'testlib:*'
	wait
	[ "$status" -eq 1 ]
	[ "$stderr" = "usdtctl: process $BG_PID exited before its probes were attached" ]
}

@test "trace -p: a pid reused between the scan and the attach is not traced" {
	need_root
	need_cmd strace unshare
	mkfifo "$BATS_TEST_TMPDIR/in"
	# in a new pid namespace, ns_last_pid gives the dead target's pid to the next process
	start_bg 60 unshare --pid --fork --mount-proc bash -c '
		exec 5<>"$3"
		"$1" wait <&5 >/dev/null &
		a=$!
		sleep 0.3
		strace -f -o /dev/null -e inject=bpf:delay_enter=3000000:when=1 \
			"$2" trace -p "$a" "testlib:*" -d 3 >"$4.out" 2>"$4.err" &
		t=$!
		sleep 1
		kill -KILL "$a"
		wait "$a"
		echo $((a - 1)) >/proc/sys/kernel/ns_last_pid
		"$1" wait <&5 >/dev/null &
		echo "pids $a $!"
		for i in $(seq 40); do echo >&5; sleep 0.1; done
		wait "$t"
		echo "status $?"' _ "$FIXTURES/lib_linked" "$USDTCTL" "$BATS_TEST_TMPDIR/in" \
		"$BATS_TEST_TMPDIR/trace"
	wait_output "$BG_OUT" '^status ' 30
	cat "$BG_OUT" "$BATS_TEST_TMPDIR/trace.out" "$BATS_TEST_TMPDIR/trace.err" >&2
	local a b
	read -r _ a b < <(grep '^pids ' "$BG_OUT")
	[ "$a" = "$b" ]
	grep -qx 'status 1' "$BG_OUT"
	! grep -q 'testlib:' "$BATS_TEST_TMPDIR/trace.out"
	[ "$(cat "$BATS_TEST_TMPDIR/trace.err")" = \
		"usdtctl: process $a exited before its probes were attached" ]
}

@test "a ring buffer that cannot be created reports why, not a kernel without ring buffers" {
	need_root
	local n seen=0
	# the tracer takes more descriptors as it grows: a range wide enough to reach the ring buffer
	for n in $(seq 10 48); do
		run --separate-stderr bash -c "ulimit -n $n && exec timeout 10 \"\$0\" trace \
			\"\$1\" 'trace:tick' -d 0.1" "$USDTCTL" "$FIXTURES/trace_target"
		echo "ulimit -n $n: $stderr" >&2
		[[ $stderr != *"lacks BPF ring buffers"* ]]
		[[ $stderr != *"opening the ring buffer: Too many open files"* ]] || seen=1
	done
	[ "$seen" -eq 1 ]
}

@test "-p through overlayfs with layers on two file systems: the mapped files are read" {
	need_root
	need_cmd unshare jq
	local O=$BATS_TEST_TMPDIR/ovl
	mkdir -p "$O/lower" "$O/upper" "$O/work" "$O/merged"
	# the lower layer on a tmpfs, the upper on the test's file system: overlayfs then reports
	# another st_dev for the file than /proc/PID/maps shows
	start_bg 60 unshare --mount --propagation private bash -c '
		set -e
		mount -t tmpfs tmpfs "$1/lower"
		cp "$2/lib_linked" "$2/libtestprobes.so" "$1/lower/"
		mount -t overlay overlay -o "lowerdir=$1/lower,upperdir=$1/upper,workdir=$1/work" \
			"$1/merged"
		exec env LD_LIBRARY_PATH="$1/merged" "$1/merged/lib_linked" wait' _ "$O" "$FIXTURES"
	wait_output "$BG_OUT" '^pid ' 10
	run --separate-stderr timeout 10 "$USDTCTL" list --json -p "$BG_PID"
	[ "$status" -eq 0 ]
	[ "$(probes_of "$output")" = "$O/merged/lib_linked testlib:call $O/merged/libtestprobes.so \
testlib:call $O/merged/libtestprobes.so testlib:guarded" ]
}

# Copies argv[1] to argv[2] at about 1 MB/s, as a terminal or a remote shell may take output:
# fewer lines a second than the processes below fire.
SLOW_READER='import sys, time
src, dst = open(sys.argv[1], "rb"), open(sys.argv[2], "wb")
while b := src.read1(65536):
	dst.write(b)
	time.sleep(0.06)'

# check_ended ERR OUT SECONDS [cut]: the trace ended within 10 s with its summary in ERR, which
# counts the events OUT shows. cut: Ctrl-C may interrupt the write of the last ones (a blocked
# write must not outlast it), so OUT shows at most the events counted.
check_ended() {
	local summary events shown
	echo "ended after $3 s: $(cat "$1")" >&2
	[ "$3" -lt 10 ]
	summary=$(grep -E '^usdtctl: [0-9]+ events, [0-9]+ lost, [0-9.]+ s$' "$1")
	events=$(awk '{ print $2 }' <<<"$summary")
	[ "$events" -gt 0 ]
	shown=$(grep -c 'trace:tick' "$2")
	if [ "${4:-}" = cut ]; then
		[ "$shown" -gt 0 ] && [ "$shown" -le "$events" ]
	else
		[ "$shown" -eq "$events" ]
	fi
}

@test "a process firing a probe nonstop into a slow output: -d, Ctrl-C and -c's exit end the trace" {
	need_root
	local tt=$FIXTURES/trace_target out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	local fifo=$BATS_TEST_TMPDIR/fifo
	# two processes hitting trace:tick as fast as they can, more than the output takes
	start_bg 60 "$tt" ticks 1000000000000
	start_bg 60 "$tt" ticks 1000000000000
	SECONDS=0
	run timeout 15 bash -c 'set -o pipefail; "$1" trace -d 1 "$2" trace:tick 2>"$3" |
		"$4" -c "$5" /dev/stdin "$6"' _ "$USDTCTL" "$tt" "$err" "$PY" "$SLOW_READER" "$out"
	[ "$status" -eq 0 ]
	check_ended "$err" "$out" "$SECONDS"
	# hits counted for -d's second, give or take a round of the loop
	awk '/ events, .* lost, / { exit !($6 >= 1 && $6 < 3) }' "$err"
	# the ring buffer was never empty, and its drain after the detach was cut short
	grep -F 'events left in the ring buffer were not shown' "$err"
	# Ctrl-C: what the ring buffer held is still shown
	mkfifo "$fifo"
	start_bg 60 "$PY" -c "$SLOW_READER" "$fifo" "$out"
	usdtctl_bg 30 "$fifo" "$err.int" trace "$tt" trace:tick
	sleep 1
	SECONDS=0
	usdtctl_stop
	wait "$BG_PID"
	check_ended "$err.int" "$out" "$SECONDS" cut
	# -c: the command's exit (the two processes it starts end with it)
	printf '#!/bin/sh\n"%s" ticks 1000000000000 &\nexec "%s" ticks 1000000000000\n' "$tt" "$tt" \
		>"$BATS_TEST_TMPDIR/spin"
	chmod +x "$BATS_TEST_TMPDIR/spin"
	SECONDS=0
	run timeout 15 bash -c 'set -o pipefail; "$1" trace -c "timeout 1 $2" trace:tick 2>"$3" |
		"$4" -c "$5" /dev/stdin "$6"' _ "$USDTCTL" "$BATS_TEST_TMPDIR/spin" "$err.c" "$PY" \
		"$SLOW_READER" "$out"
	[ "$status" -eq 0 ]
	check_ended "$err.c" "$out" "$SECONDS"
	grep -x 'usdtctl: command exited with status 124' "$err.c"
}
