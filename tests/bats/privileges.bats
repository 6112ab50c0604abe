#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# usdtctl without the privileges BPF tracing needs: listing reads files only and keeps working;
# tracing fails with exit 1 and one line that says what is missing.

load helpers

bats_require_minimum_version 1.5.0

# root, but without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (bounding set and inheritable)
NOCAPS=(setpriv --inh-caps=-all --bounding-set=-bpf,-perfmon,-sys_admin --)
# an ordinary user, no capabilities at all
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --)
MISSING='CAP_BPF|CAP_PERFMON|CAP_SYS_ADMIN|root'

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	# a directory an unprivileged user can read: the bats temp dirs are private
	PRIV_DIR=$(mktemp -d /tmp/usdt-privileges.XXXXXX)
	chmod 755 "$PRIV_DIR"
	export PRIV_DIR
	cat >"$PRIV_DIR/target.c" <<'EOF'
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <unistd.h>

__extension__ unsigned short hostile_tick_semaphore __attribute__((unused))
	__attribute__((section(".probes")));

int main(void)
{
	for (long i = 0;; i++) {
		STAP_PROBE1(hostile, tick, i);
		usleep(10000);
	}
}
EOF
	gcc -O2 -g -o "$PRIV_DIR/target" "$PRIV_DIR/target.c"
	chmod 755 "$PRIV_DIR/target"
}

teardown_file() {
	[ -n "${PRIV_DIR:-}" ] && rm -rf "$PRIV_DIR"
}

setup() {
	if [ "$(id -u)" -ne 0 ]; then
		[ -n "${CI:-}" ] && { echo "privileges.bats needs root, and CI is set" >&2; return 1; }
		skip "needs root to drop privileges"
	fi
	have_usdtctl
	TARGET=$PRIV_DIR/target
}

# cap_bit MASK BIT: 1 when capability BIT is in the hex MASK of /proc/PID/status.
cap_bit() {
	echo $(((0x$1 >> $2) & 1))
}

# check_one_line_failure: the last `run --separate-stderr` failed with exit 1, one line on
# stderr from usdtctl that names what is missing, nothing on stdout.
check_one_line_failure() {
	echo "status $status, stdout: $output, stderr: $stderr" >&2
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ ${stderr_lines[0]} == usdtctl:* ]]
	grep -qE "$MISSING" <<<"${stderr_lines[0]}"
	[ -z "$output" ]
}

@test "setpriv drops CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN for what it runs" {
	run "${NOCAPS[@]}" awk '/^CapEff/ { print $2 }' /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(cap_bit "$output" 39)" -eq 0 ] # CAP_BPF
	[ "$(cap_bit "$output" 38)" -eq 0 ] # CAP_PERFMON
	[ "$(cap_bit "$output" 21)" -eq 0 ] # CAP_SYS_ADMIN
	[ "$(cap_bit "$output" 19)" -eq 1 ] # CAP_SYS_PTRACE stays: /proc/PID/root still opens
}

@test "list works without the BPF capabilities: a file and a process" {
	run --separate-stderr "${NOCAPS[@]}" "$USDTCTL" list --json "$TARGET"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.provider + ":" + .name' <<<"$output")" = "hostile:tick" ]
	start_bg 30 "$TARGET"
	run --separate-stderr "${NOCAPS[@]}" "$USDTCTL" list -p "$BG_PID" 'hostile:*'
	[ "$status" -eq 0 ]
	[[ $output == *hostile:tick* ]]
}

@test "trace -p without the BPF capabilities: exit 1 and one line saying what is missing" {
	start_bg 30 "$TARGET"
	run --separate-stderr timeout 20 "${NOCAPS[@]}" "$USDTCTL" trace -p "$BG_PID" 'hostile:tick'
	check_one_line_failure
}

@test "trace --json without the BPF capabilities: one error object, one stderr line, exit 1" {
	start_bg 30 "$TARGET"
	run --separate-stderr timeout 20 "${NOCAPS[@]}" "$USDTCTL" trace --json -p "$BG_PID" \
		'hostile:tick'
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	jq -e '.error | test("'"$MISSING"'")' <<<"$output"
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "trace -c without the BPF capabilities fails and leaves no command running" {
	local marker
	marker=$PRIV_DIR/cmd.$BATS_TEST_NUMBER
	cp "$TARGET" "$marker"
	run --separate-stderr timeout 20 "${NOCAPS[@]}" "$USDTCTL" trace -c "$marker" 'hostile:tick'
	check_one_line_failure
	sleep 0.2
	! pgrep -f "$marker"
}

@test "as an unprivileged user: list works, trace fails with one line and exit 1" {
	# the checkout may sit in a directory nobody cannot enter (/root): run a copy
	cp "$USDTCTL" "$PRIV_DIR/usdtctl"
	chmod 755 "$PRIV_DIR/usdtctl"
	local USDTCTL=$PRIV_DIR/usdtctl
	run --separate-stderr "${NOBODY[@]}" "$USDTCTL" list "$TARGET"
	[ "$status" -eq 0 ]
	[[ $output == *hostile:tick* ]]
	start_bg 30 "${NOBODY[@]}" "$TARGET"
	run --separate-stderr timeout 20 "${NOBODY[@]}" "$USDTCTL" trace -p "$BG_PID" 'hostile:tick'
	check_one_line_failure
}
