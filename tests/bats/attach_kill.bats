#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# usdtctl SIGKILLed while it attaches or detaches 10,000 semaphore-guarded sites: whatever the
# moment, the target must be left as it was, every site's byte and every semaphore read back
# from /proc/PID/mem. The kernel writes breakpoints and semaphores in the task that creates or
# closes the link, and cannot while that task has a SIGKILL pending (docs/reliability.md).

load helpers

bats_require_minimum_version 1.5.0

# leak: 100 probes leak:pN of 100 sites each, every probe with its own semaphore, in a function
# that never runs (a breakpoint left there stays for the test to see); the process waits.
setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	"$PY" - >"$BATS_FILE_TMPDIR/sites.S" <<'EOF_PY'
out = ["\t.text", "\t.globl leak_sites", "\t.type leak_sites, @function", "leak_sites:"]
for p in range(100):
	out += ["\t.rept 100", "990:\tnop", '\t.pushsection .note.stapsdt,"",@note', "\t.balign 4",
		"\t.4byte 992f-991f, 994f-993f, 3", '991:\t.asciz "stapsdt"', "992:\t.balign 4",
		"993:\t.8byte 990b", "\t.8byte 0", f"\t.8byte leak_p{p}_semaphore", '\t.asciz "leak"',
		f'\t.asciz "p{p}"', '\t.asciz "-8@%rdi"', "994:\t.balign 4", "\t.popsection",
		"\t.endr"]
out += ["\tret", '\t.section .probes,"aw",@progbits']
for p in range(100):
	out += [f"\t.globl leak_p{p}_semaphore", "\t.balign 2", f"leak_p{p}_semaphore:", "\t.2byte 0"]
out.append('\t.section .note.GNU-stack,"",@progbits')
print("\n".join(out))
EOF_PY
	cat >"$BATS_FILE_TMPDIR/main.c" <<'EOF_C'
#include <unistd.h>
void leak_sites(void);
int main(int argc, char **argv)
{
	if (argc > 1) /* never: keeps leak_sites linked */
		leak_sites();
	sleep(120);
	return 0;
}
EOF_C
	gcc -O2 -fPIE -pie -o "$BATS_FILE_TMPDIR/leak" "$BATS_FILE_TMPDIR/main.c" \
		"$BATS_FILE_TMPDIR/sites.S"
}

setup() {
	if [ "$(id -u)" -ne 0 ]; then
		[ -n "${CI:-}" ] && { echo "attach_kill.bats needs root, and CI is set" >&2; return 1; }
		skip "needs root"
	fi
	have_usdtctl
	LEAK=$BATS_FILE_TMPDIR/leak
}

# left_behind PID: "INT3 RAISED", the sites whose byte differs from the file's and the
# semaphores that are not 0, in the memory of PID (running $LEAK).
left_behind() {
	"$PY" - "$USDTCTL" "$1" "$LEAK" <<'EOF_PY'
import json, os, subprocess, sys
usdtctl, pid, path = sys.argv[1], int(sys.argv[2]), os.path.realpath(sys.argv[3])
sites, semas = [], set()
out = subprocess.run([usdtctl, "list", "--json", path], capture_output=True, text=True, check=True)
for line in out.stdout.splitlines():
	for s in json.loads(line)["sites"]:
		sites.append(int(s["file_offset"], 16))
		semas.add(int(s["semaphore_offset"], 16))
assert len(sites) == 10000 and len(semas) == 100, (len(sites), len(semas))
maps = []
for line in open(f"/proc/{pid}/maps"):
	f = line.split()
	if len(f) >= 6 and f[5] == path:
		lo, hi = (int(x, 16) for x in f[0].split("-"))
		maps.append((lo, hi, int(f[2], 16), "x" in f[1]))
def vaddr(off, exe):
	for lo, hi, moff, x in maps:
		if x == exe and moff <= off < moff + hi - lo:
			return lo + off - moff
	sys.exit(f"file offset {off:#x} is not mapped")
orig = open(path, "rb").read()
with open(f"/proc/{pid}/mem", "rb") as m:
	int3 = 0
	for off in sites:
		m.seek(vaddr(off, True))
		int3 += m.read(1)[0] != orig[off]
	raised = 0
	for off in semas:
		m.seek(vaddr(off, False))
		raised += int.from_bytes(m.read(2), "little") != 0
print(int3, raised)
EOF_PY
}

# clean_after_kill PID WHAT: the kernel puts everything back once the killed usdtctl (and what
# it left to finish) is gone: waits up to 5 s for "0 0".
clean_after_kill() {
	local i state
	for ((i = 0; i < 50; i++)); do
		state=$(left_behind "$1") || return 1
		[ "$state" = "0 0" ] && return 0
		sleep 0.1
	done
	echo "$2: $state (sites with a breakpoint, semaphores raised) left in the target" >&2
	return 1
}

@test "SIGKILL at random points of attach leaves no breakpoint and no raised semaphore" {
	local i delay
	start_bg 110 "$LEAK"
	local target=$BG_PID
	clean_after_kill "$target" "before any trace"
	# the link of 10,000 sites takes 40-80 ms to create, 80-200 ms after usdtctl starts
	for ((i = 0; i < 40; i++)); do
		delay=$((RANDOM % 200))
		start_bg 20 "$USDTCTL" trace -p "$target" 'leak:*'
		sleep "$(printf '0.%03d' "$delay")"
		kill -KILL "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" || true
		clean_after_kill "$target" "kill $i, ${delay} ms after start"
	done
}

@test "SIGKILL at random points of detach leaves no breakpoint and no raised semaphore" {
	local i delay
	start_bg 110 "$LEAK"
	local target=$BG_PID
	for ((i = 0; i < 20; i++)); do
		delay=$((RANDOM % 60))
		start_bg 20 "$USDTCTL" trace -p "$target" 'leak:*'
		wait_output "$BG_OUT" '^usdtctl: attached 10000 sites' 10
		[ "$(left_behind "$target")" = "10000 100" ]
		kill -INT "$BG_PID"
		sleep "$(printf '0.%03d' "$delay")"
		kill -KILL "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" || true
		clean_after_kill "$target" "kill $i, ${delay} ms into the detach"
	done
}
