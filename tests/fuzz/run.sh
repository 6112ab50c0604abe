#!/usr/bin/env bash
# Fuzzes the note parser and the argument grammars: builds the libFuzzer targets with clang
# (ASan + UBSan) in build-fuzz, seeds their corpora from the test fixtures, real binaries and
# argument strings of every architecture, runs each for FUZZ_SECONDS (default 60) and fails on
# any finding (crash, leak, undefined behaviour, broken invariant, timeout, memory blow-up).
# Findings land in build-fuzz/artifacts/; keep them in tests/fuzz/regressions/{note,args}/.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
secs=${FUZZ_SECONDS:-60}
out=${FUZZ_BUILD:-$top/build-fuzz}

mkdir -p "$out"
cmake -S . -B "$out" -DCMAKE_C_COMPILER=clang -DUSDT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	>"$out/configure.log" 2>&1 || { cat "$out/configure.log"; exit 1; }
cmake --build "$out" -j"$(nproc)" --target fuzz_note fuzz_args >"$out/build.log" 2>&1 ||
	{ grep -E 'error|Error' "$out/build.log" || tail -20 "$out/build.log"; exit 1; }

seeds=$out/seeds
rm -rf "$seeds"
mkdir -p "$seeds/note" "$seeds/args" "$out/corpus/note" "$out/corpus/args"

# ---- note seeds: every ELF among the built fixtures, real binaries with notes, kept crashers
is_elf() { [ -f "$1" ] && [ "$(head -c4 "$1" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; }
add_note_seed() {
	is_elf "$1" || return 0
	cp "$1" "$seeds/note/$(sha1sum "$1" | cut -c1-16)"
}
for dir in build/tests/fixtures build-*/tests/fixtures; do
	[ -d "$dir" ] || continue
	while IFS= read -r -d '' f; do
		add_note_seed "$f"
	done < <(find "$dir" -path '*/CMakeFiles' -prune -o -type f -print0)
done
for f in /usr/bin/python3.11 /usr/lib/x86_64-linux-gnu/libstdc++.so.6; do
	[ -e "$f" ] || continue
	add_note_seed "$(readlink -f "$f")"
	# the same notes and segments in a few KiB: libFuzzer cuts inputs at 1 MiB
	objcopy --only-section=.note.stapsdt --only-section=.stapsdt.base --only-section=.probes \
		"$f" "$seeds/note/notes-of-$(basename "$f")" 2>/dev/null || true
done
cp tests/fuzz/regressions/note/* "$seeds/note/" 2>/dev/null || true

# ---- argument strings of every grammar, by fuzz_archs[] index (9: a machine none knows)
ARCH_ARGS=(
	'-4@-20(%rbp) 8@%rax 8@$42 -1@%dil 2@%ax;8@-8(%rbp,%rax,8) 4@(%rdi) 8@16(,%rcx,4) 8@%r15 -4@%r9d;8@counter(%rip) 8@counter+8(%rip) 4@8+counter(%rip) 8@%xmm0 8f@%xmm1;%eax %rsi -20(%rbp) $0x10'
	'-4@8(%ebp) 4@%eax 2@%si 1@%al 4@$-1 8@4(%esp,%ebx,2);4@counter@GOTOFF(%ebx) 4@counter'
	'8@x0 -4@w1 8@sp 8@[x29, -16] 8@[x2] 8@[x3, x4] 4@42;8@[x1, x2, lsl #3] 8@[x1, w2, sxtw] 8@d0'
	'8@a0 -4@a1 8@-24(s0) 8@sp 4@16 8@8(sp)'
	'8@%r2 -4@%r3 8@160(%r15) 8@8(%r1,%r2) 4@5'
	'4@r0 -4@r1 4@[r7, #-8] 4@#5 4@[sp] 4@fp'
	'8@3 -4@4 8@-16(31) 8@8(%r1) 8@i42 8@5,6 8@%r3'
	'4@3 -4@4 4@-16(31) 4@8(%r1) 4@i42'
	'8@$r4 -4@$r5 8@[$r3, -16] 8@$sp 4@7'
	'8@%rdi 4@x0'
)
# mkelf options for the same indexes
MKELF_MACHINE=('-m x86_64' '-m i386' '-m aarch64' '-m riscv64' '-m s390x' '-m arm' '-m ppc64'
	'-m 20 -c 32 -e be' '-m loongarch64' '-m 43')

add_arg_seed() { # add_arg_seed ARCH_INDEX TEXT: [arch index][scratch size - 1][text]
	printf "\\x$(printf %02x "$1")\\xff%s" "$2" >"$seeds/args/$1-$(printf %s "$2" | sha1sum | cut -c1-12)"
}
for i in "${!ARCH_ARGS[@]}"; do
	IFS=';' read -ra list <<<"${ARCH_ARGS[$i]}"
	for text in "${list[@]}"; do
		add_arg_seed "$i" "$text"
	done
done
cp tests/fuzz/regressions/args/* "$seeds/args/" 2>/dev/null || true

# ---- hand-made ELF files from mkelf (tests/fixtures/mkelf.c), when a build has it: every
# machine with its argument strings, semaphores, symbols, and each kind of damage
mkelf=$(ls build/tests/fixtures/mkelf build-*/tests/fixtures/mkelf 2>/dev/null | head -1 || true)
if [ -n "$mkelf" ]; then
	n=0
	for i in "${!ARCH_ARGS[@]}"; do
		IFS=';' read -ra list <<<"${ARCH_ARGS[$i]}"
		for text in "${list[@]}"; do
			# shellcheck disable=SC2086
			"$mkelf" ${MKELF_MACHINE[$i]} -s counter=0x602010 -p "p:a:0x401010:0x602000:$text" \
				-p "p:b:0x401020:0:" "$seeds/note/mkelf-$((n++))" >/dev/null 2>&1 || true
		done
	done
	for kind in trunc-header phnum shnum note-size unterminated short-desc note-past-eof; do
		"$mkelf" -M "$kind" -p 'p:a:0x401010:0:8@%rdi' -p 'p:b:0x401020:0x602000:-4@-8(%rbp)' \
			"$seeds/note/mkelf-$kind" >/dev/null 2>&1 || true
	done
	"$mkelf" -b none -B 0x400000 -g 50 -G 5 "$seeds/note/mkelf-many" >/dev/null 2>&1 || true
fi

# ---- run: each fuzzer for $secs, corpus kept in $out/corpus between runs
status=0
for t in note args; do
	art=$out/artifacts/$t-$(date +%Y%m%d-%H%M%S)
	log=$out/fuzz_$t.log
	mkdir -p "$art"
	echo "== fuzz_$t: ${secs}s, $(ls "$seeds/$t" | wc -l) seeds"
	rc=0
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1 \
		timeout $((secs + 300)) "$out/tests/fuzz/fuzz_$t" -max_total_time="$secs" \
		-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -print_final_stats=1 \
		-dict=tests/fuzz/$t.dict -artifact_prefix="$art/" \
		"$out/corpus/$t" "$seeds/$t" >"$log" 2>&1 || rc=$?
	runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
	files=$(find "$out/corpus/$t" -type f | wc -l)
	bytes=$(find "$out/corpus/$t" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
	echo "fuzz_$t: ${runs:-0} executions in ${secs}s, $cov, corpus $files files ($bytes bytes)"
	if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$art")" ]; then
		echo "fuzz_$t: FINDING (exit $rc); log $log, input(s):" >&2
		ls "$art" | sed "s|^|  $art/|" >&2
		grep -E 'ERROR|runtime error|broken invariant|SUMMARY' "$log" | head -20 >&2
		echo "keep it: cp $art/<file> tests/fuzz/regressions/$t/" >&2
		status=1
	elif [ "${runs:-0}" -eq 0 ]; then
		# a fuzzer that ran nothing found nothing: not a pass
		echo "fuzz_$t: no executions reported; log $log" >&2
		rmdir "$art"
		status=1
	else
		rmdir "$art"
	fi
done
exit $status
