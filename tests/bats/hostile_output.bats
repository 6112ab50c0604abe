#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# What files and processes choose must not take over the terminal or the disk, nor change what
# is attached: provider, name, argument, path and comm strings with ESC, C1 controls and bytes
# that are not UTF-8 through every text output and message; a 100,000-byte probe name among
# 10,000 probes; a bare TARGET that also names a file in the working directory; the hits of the
# detach window. Every process is bounded by `timeout` or start_bg and killed in teardown.

bats_require_minimum_version 1.5.0
load helpers

# evil: fires ev<ESC>]0;pwned<BEL><U+009B>il:na<ESC>[2J<0xff>me(str) every 10 ms, the string as
# hostile as the names, beside a probe whose argument string holds ESC; its file name (and so
# its comm) is hostile too. busy: busy:hit at 50
# sites, one call of all 50 per millisecond (50,000 hits/s), until killed.
setup_file() {
	cat >"$BATS_FILE_TMPDIR/evil.c" <<'EOF_C'
#include <string.h>
#include <unistd.h>

/* n: the note of the nop labelled 990 */
#define NOTE(provider, name, args)                                                                 \
	".pushsection .note.stapsdt,\"\",@note\n"                                                  \
	".balign 4\n"                                                                             \
	".4byte 992f-991f, 994f-993f, 3\n"                                                        \
	"991: .asciz \"stapsdt\"\n"                                                               \
	"992: .balign 4\n"                                                                        \
	"993: .8byte 990b, 0, 0\n"                                                                \
	".asciz \"" provider "\"\n"                                                               \
	".asciz \"" name "\"\n"                                                                   \
	".asciz \"" args "\"\n"                                                                   \
	"994: .balign 4\n"                                                                        \
	".popsection\n"
#define EVIL_PROVIDER "ev\\033]0;pwned\\007\\302\\233il"

/* a probe to trace, and one whose argument string cannot be parsed: never traced */
#define EVIL(s)                                                                                    \
	__asm__ __volatile__("990: nop\n" NOTE(EVIL_PROVIDER, "na\\033[2J\\377me", "8@%0")          \
			     "990: nop\n" NOTE(EVIL_PROVIDER, "args", "-4@%%e\\033[1mdi") ::"r"(s))

int main(void)
{
	char s[32];

	/* copied: a string in a page never touched cannot be read from a uprobe */
	strcpy(s, "\033]0;pwned\007\302\233[2J\377\376");
	alarm(60);
	for (;;) {
		EVIL(s);
		usleep(10000);
	}
}
EOF_C
	EVIL=$BATS_FILE_TMPDIR/$'ev\e[7m\xc2\x9b\xff'
	gcc -O2 -o "$EVIL" "$BATS_FILE_TMPDIR/evil.c"
	cat >"$BATS_FILE_TMPDIR/busy.c" <<'EOF_C'
#include <sys/sdt.h>
#include <time.h>
#include <unistd.h>

#define HIT STAP_PROBE1(busy, hit, i);
#define HIT10 HIT HIT HIT HIT HIT HIT HIT HIT HIT HIT

int main(void)
{
	struct timespec next, now;

	alarm(60);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long i = 0;; i++) {
		HIT10 HIT10 HIT10 HIT10 HIT10
		next.tv_nsec += 1000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		do
			clock_gettime(CLOCK_MONOTONIC, &now);
		while (now.tv_sec < next.tv_sec ||
		       (now.tv_sec == next.tv_sec && now.tv_nsec < next.tv_nsec));
	}
}
EOF_C
	gcc -O2 -o "$BATS_FILE_TMPDIR/busy" "$BATS_FILE_TMPDIR/busy.c"
}


setup() {
	have_usdtctl
	EVIL=$BATS_FILE_TMPDIR/$'ev\e[7m\xc2\x9b\xff'
}

# terminal_safe FILE WANT...: FILE is UTF-8 with no control character but newline (no C0,
# DEL or C1) and holds every WANT string.
terminal_safe() {
	"$PY" - "$@" <<'EOF_PY'
import sys
data = open(sys.argv[1], "rb").read()
try:
	text = data.decode("utf-8")
except UnicodeDecodeError as e:
	sys.exit(f"{sys.argv[1]}: not UTF-8: {e}")
bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f]
if bad:
	sys.exit(f"{sys.argv[1]}: control characters {[hex(ord(c)) for c in bad]}:\n{text!r}")
for want in sys.argv[2:]:
	if want not in text:
		sys.exit(f"{sys.argv[1]}: no {want!r} in:\n{text}")
EOF_PY
}

# what the hostile strings must become
PROBE_TEXT='ev\x1b]0;pwned\x07\u009bil:na\x1b[2J\xffme'
PATH_TEXT='ev\x1b[7m\u009b\xff'

@test "list and list -v escape paths, names and arguments from the file" {
	local out=$BATS_TEST_TMPDIR/out
	timeout 10 "$USDTCTL" list "$EVIL" >"$out" 2>&1
	terminal_safe "$out" "$PATH_TEXT  $PROBE_TEXT  sites=1"
	timeout 10 "$USDTCTL" list -v "$EVIL" >"$out" 2>&1
	terminal_safe "$out" "$PROBE_TEXT" 'args: 8@%' '-4@%e\x1b[1mdi'
	# JSON escapes as it did: every line parses
	timeout 10 "$USDTCTL" list --json "$EVIL" | jq -e . >/dev/null
}

@test "messages escape the paths and names they quote" {
	local out=$BATS_TEST_TMPDIR/out bad=$BATS_TEST_TMPDIR/bad.elf
	run -1 --separate-stderr timeout 10 "$USDTCTL" list "$BATS_TEST_TMPDIR/"$'no\e[2Jsuch\xc2\x85'
	printf '%s\n' "$stderr" >"$out"
	terminal_safe "$out" 'no\x1b[2Jsuch\u0085: no such file'
	run -0 --separate-stderr timeout 10 "$USDTCTL" list -v "$EVIL" 'nomatch:*'
	printf '%s\n' "$stderr" >"$out"
	terminal_safe "$out" "$PATH_TEXT: no probe matches"
	need_root
	# a bad site: the library's warnings name it
	"$FIXTURES/mkelf" -p $'ok:b\e]2;x\aad:0x999999:0:' "$bad"
	run -1 --separate-stderr timeout 10 "$USDTCTL" trace "$bad" 'ok:*'
	printf '%s\n' "$stderr" >"$out"
	terminal_safe "$out" 'ok:b\x1b]2;x\x07ad'
}

@test "list -p, trace and trace --count escape probe names, strings, comm and paths" {
	need_root
	local out=$BATS_TEST_TMPDIR/out
	start_bg 30 "$EVIL"
	local pid=$BG_PID
	sleep 0.2
	timeout 10 "$USDTCTL" list -p "$pid" 'ev*' >"$out" 2>&1
	terminal_safe "$out" "$PATH_TEXT  $PROBE_TEXT"
	timeout 10 "$USDTCTL" trace -p "$pid" -n 2 'ev*:na*(str)' >"$out" 2>&1
	terminal_safe "$out" "$PATH_TEXT $PROBE_TEXT "'"\x1b]0;pwned\x07\u009b[2J\xff\xfe"'
	timeout 10 "$USDTCTL" trace -p "$pid" --count -d 0.3 'ev*:na*' >"$out" 2>&1
	terminal_safe "$out" "$PROBE_TEXT  "
	# JSON escapes as it did
	timeout 10 "$USDTCTL" trace --json -p "$pid" -n 1 'ev*:na*(str)' 2>/dev/null | jq -e . >/dev/null
}

@test "a 100,000-byte probe name among 10,000 probes: list output stays bounded" {
	local elf=$BATS_TEST_TMPDIR/wide.elf name
	name=$(head -c 100000 /dev/zero | tr '\0' w)
	"$FIXTURES/mkelf" -p "$name:wide:0x401000:0:" -g 10000 "$elf"
	# uncapped, every one of the 10,001 lines was padded to the longest name: 1 GB
	[ "$(timeout 20 "$USDTCTL" list "$elf" | head -c 64M | wc -c)" -lt 2000000 ]
	[ "$(timeout 20 "$USDTCTL" list -v "$elf" | head -c 64M | wc -c)" -lt 8000000 ]
	# the columns of ordinary names still line up
	timeout 20 "$USDTCTL" list "$elf" 'bench:probe1*' | awk '{ print index($0, "sites=") }' |
		sort -u | wc -l | grep -qx 1
}

@test "a bare TARGET is looked up in PATH, not in the working directory, by list and trace alike" {
	local dir=$BATS_TEST_TMPDIR
	mkdir "$dir/bin" "$dir/cwd"
	cp "$FIXTURES/trace_target" "$dir/bin/sametool"
	cp "$FIXTURES/probes_pie" "$dir/cwd/sametool"
	cp "$FIXTURES/probes_pie" "$dir/cwd/onlyhere"
	cd "$dir/cwd"
	PATH=$dir/bin:$PATH run -0 timeout 10 "$USDTCTL" list sametool
	[ "${#lines[@]}" -eq 7 ]
	[[ ${lines[0]} == "$dir/bin/sametool  trace:tick "* ]]
	run -0 timeout 10 "$USDTCTL" list ./sametool
	[[ ${lines[0]} == "./sametool  test:"* ]]
	# the PATTERN rule follows: a bare name with ':' that is no program is a PATTERN
	PATH=$dir/bin:$PATH run -0 timeout 10 "$USDTCTL" list sametool 'trace:t*'
	[ "${#lines[@]}" -eq 2 ]
	run -1 --separate-stderr timeout 10 "$USDTCTL" list onlyhere
	[ "$stderr" = "usdtctl: onlyhere: no such file, program or library; for the file in this directory, write ./onlyhere" ]
	need_root
	# what trace lists is what it attaches
	PATH=$dir/bin:$PATH run -0 --separate-stderr timeout 20 "$USDTCTL" trace -d 0.2 sametool 'trace:*'
	[[ ${stderr_lines[0]} == "usdtctl: attached 7 sites of 7 probes in 1 objects in "* ]]
}

@test "hits of the detach window are neither events nor lost, and duration_ns is the traced time" {
	need_root
	local out=$BATS_TEST_TMPDIR/out
	start_bg 50 "$BATS_FILE_TMPDIR/busy"
	local pid=$BG_PID
	# --legacy-attach detaches in ~0.08 s a site: 50 sites, ~4 s of 50,000 hits/s, twice
	# what the ring buffer holds; the traced second fits in it even if nothing drained it
	run -0 --separate-stderr timeout 45 "$USDTCTL" trace --legacy-attach --json -d 1 -p "$pid" 'busy:hit' >"$out"
	jq -e 'select(.summary) | .summary | .lost == 0 and .events > 1000 and
		.duration_ns >= 1000000000 and .duration_ns < 1500000000' <<<"$output"
	# every event was hit within the traced time
	jq -s -e '[.[] | select(.time_ns) | .time_ns] as $t | ($t | max) - ($t | min) <
		(.[-1].summary.duration_ns + 200000000)' <<<"$output"
}
