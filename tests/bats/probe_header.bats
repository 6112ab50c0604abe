#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# <usdt/probe.h>: its notes are <sys/sdt.h>'s for readelf, gdb and bpftrace; usdtctl probes its
# sites at the nop5 where the kernel has optimized uprobes (list -v, --json, features say so);
# a leaf function's red zone survives 300,000 traced calls; a bare nop5 does not.

bats_require_minimum_version 1.5.0
load helpers



need_optimized() {
	"$USDTCTL" features --json | jq -e '.uprobe_syscall == true' >/dev/null ||
		need "optimized uprobes (the uprobe syscall)"
}

setup() {
	have_usdtctl
	RZ=$FIXTURES/redzone
}

# notes FILE: provider, name and each argument's size and sign, without operands
note_shapes() {
	readelf -n "$1" | grep -E 'Provider|Name|Arguments' | sed -E 's/@[^ ]*/@/g'
}

@test "notes: sizes and signs of 0 to 12 arguments as <sys/sdt.h> writes them, in C, ISO C and C++" {
	[ "$(note_shapes "$FIXTURES/probe_cmp_usdt" | grep -c Arguments)" -eq 13 ]
	diff <(note_shapes "$FIXTURES/probe_cmp_sdt") <(note_shapes "$FIXTURES/probe_cmp_usdt")
	for f in probe_cmp_sdt probe_cmp_usdt; do
		readelf -S --wide "$FIXTURES/$f" | grep -E ' \.note\.stapsdt +NOTE '
		readelf -S --wide "$FIXTURES/$f" | grep -E ' \.stapsdt\.base +PROGBITS '
	done
	# ISO C, without GNU extensions, takes the header too
	gcc -std=c11 -pedantic -O2 -Wall -Wextra -Werror -I"$SRC_DIR/lib" -o "$BATS_TEST_TMPDIR/iso" \
		"$SRC_DIR/tests/fixtures/probe_cmp.c"
	diff <(note_shapes "$FIXTURES/probe_cmp_sdt") <(note_shapes "$BATS_TEST_TMPDIR/iso")
	command -v g++ >/dev/null || need g++
	g++ -x c++ -std=c++11 -pedantic -O2 -Wall -Wextra -Werror -DPROBE_CMP_SDT \
		-o "$BATS_TEST_TMPDIR/sdt" "$SRC_DIR/tests/fixtures/probe_cmp.c"
	g++ -x c++ -std=c++11 -pedantic -O2 -Wall -Wextra -Werror -I"$SRC_DIR/lib" \
		-o "$BATS_TEST_TMPDIR/usdt" "$SRC_DIR/tests/fixtures/probe_cmp.c"
	diff <(note_shapes "$BATS_TEST_TMPDIR/sdt") <(note_shapes "$BATS_TEST_TMPDIR/usdt")
}

@test "notes: usdtctl list agrees with readelf -n, semaphores included" {
	local want got
	# bad:* notes point outside the file on purpose: usdtctl reports no offsets for them
	want=$(readelf_sites "$FIXTURES/usdt_args_probe_h" | jq -c 'select(.provider != "bad")')
	got=$(usdtctl_sites "$FIXTURES/usdt_args_probe_h" 2>/dev/null |
		jq -c 'select(.provider != "bad")')
	[ -n "$want" ]
	[ "$want" = "$got" ]
	jq -s -e 'map(select(.name == "guarded"))[0].semaphore != null' <<<"$got"
}

@test "gdb lists the probes and reads their arguments at the nop" {
	command -v gdb >/dev/null || need gdb
	run timeout 60 gdb -batch -ex 'info probes' "$RZ"
	[ "$status" -eq 0 ]
	[[ $output =~ stap\ +redzone\ +hit\ +0x ]]
	run timeout 60 gdb -batch -ex 'break -probe-stap redzone:hit' -ex run \
		-ex 'print $_probe_arg0 * 1000 + $_probe_arg1' -ex continue --args "$RZ" 1
	[ "$status" -eq 0 ]
	grep -E '^\$1 = 1$' <<<"$output"
	grep -F 'calls 1 corrupted 0' <<<"$output"
}

@test "bpftrace lists the probes and reads their arguments at the nop" {
	need_root
	command -v bpftrace >/dev/null || need bpftrace
	run timeout 60 bpftrace -l "usdt:$RZ:*"
	[ "$status" -eq 0 ]
	[ "$output" = "usdt:$RZ:redzone:hit" ]
	run --separate-stderr timeout 60 bpftrace -q \
		-e "usdt:$RZ:redzone:hit { printf(\"hit %d %d\\n\", arg0, arg1); }" -c "$RZ 3"
	[ "$(grep '^hit' <<<"$output" | tr '\n' ' ')" = "hit 0 1 hit 1 2 hit 2 3 " ]
	grep -F 'calls 3 corrupted 0' <<<"$output"
}

@test "list -v and --json: header sites are probed at the nop5, <sys/sdt.h> sites at the nop" {
	need_optimized
	run "$USDTCTL" list -v "$RZ"
	[ "$status" -eq 0 ]
	[[ $output =~ "probed at: nop5 0x"[0-9a-f]+" (file offset 0x"[0-9a-f]+"), optimized uprobe, %rsp operands read 128 bytes up" ]]
	run "$USDTCTL" list --json "$RZ"
	jq -e '.sites[0] | .shape == "nop5" and .probed_at == "nop5"' <<<"$output"
	jq -e '.sites[0] | (.probe_address | ltrimstr("0x") | ascii_downcase) as $p |
		(.address | ltrimstr("0x")) as $a | $p != $a' <<<"$output"
	# the nop5 is 6 bytes after the note's nop, in the file as in memory
	[ "$(jq -r '.sites[0].probe_file_offset' <<<"$output")" = \
		"$(printf '0x%x' $(($(jq -r '.sites[0].file_offset' <<<"$output") + 6)))" ]
	run "$USDTCTL" list --json "$FIXTURES/probe_cmp_sdt" cmp:one
	jq -e '.sites[0] | .shape == "nop" and .probed_at == "nop" and .probe_address == .address' \
		<<<"$output"
	run "$USDTCTL" list -v "$FIXTURES/probe_cmp_sdt" cmp:one
	[ "${lines[-1]}" = "        probed at: nop" ]
}

@test "features: says whether the kernel has optimized uprobes" {
	run "$USDTCTL" features
	[ "$status" -eq 0 ]
	[[ $output =~ uprobe_syscall\ +(yes|no)\ +optimized\ uprobes ]]
	run "$USDTCTL" features --json
	jq -e '.uprobe_syscall | type == "boolean"' <<<"$output"
	need_optimized
}

@test "red zone: 300,000 traced calls of a leaf function keep the values it keeps below %rsp" {
	need_root
	need_optimized
	run --separate-stderr timeout 120 "$USDTCTL" trace --count -c "$RZ 300000" 'redzone:hit'
	[ "$status" -eq 0 ]
	grep -Fx 'calls 300000 corrupted 0' <<<"$output"
	[[ $(grep '^redzone:hit ' <<<"$output") =~ ^redzone:hit\ +300000$ ]]
	grep -Fx 'usdtctl: command exited with status 0' <<<"$stderr"
	# the values the probe passes, the red-zone slot among them, read at the nop5
	run --separate-stderr timeout 60 "$USDTCTL" trace --json -c "$RZ 3 >/dev/null" 'redzone:hit'
	[ "$status" -eq 0 ]
	[ "$(jq -c 'select(.name == "hit") | .args' <<<"$output" | tr '\n' ' ')" = '[0,1] [1,2] [2,3] ' ]
}

@test "red zone: a bare nop5 site, the control, is corrupted on every optimized hit" {
	need_root
	need_optimized
	run --separate-stderr timeout 120 "$USDTCTL" trace --count -c "$FIXTURES/redzone_bare 300000" \
		'redzone:hit'
	[ "$status" -eq 0 ]
	[[ $(grep '^calls ' <<<"$output") =~ ^calls\ 300000\ corrupted\ 29999[0-9]$ ]]
	grep -Fx 'usdtctl: command exited with status 1' <<<"$stderr"
}
