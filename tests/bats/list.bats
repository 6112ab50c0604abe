#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# usdtctl list: against readelf on real SDT binaries, names, patterns, -v, JSON, -p, errors.

bats_require_minimum_version 1.5.0
load helpers

LIBPYTHON=$LIBDIR/libpython3.11.so.1.0
LIBSTDCXX=$LIBDIR/libstdc++.so.6

# agrees_with_readelf FILE: every probe, site, address, semaphore and both file offsets
agrees_with_readelf() {
	local want got
	want=$(readelf_sites "$1")
	got=$(usdtctl_sites "$1")
	[ -n "$want" ]
	if [ "$want" != "$got" ]; then
		diff <(echo "$want") <(echo "$got") >&2
		return 1
	fi
}

# mkelf OUT ARGS...: a hand-made ELF file in the test's temporary directory
mkelf() {
	local out=$BATS_TEST_TMPDIR/$1
	shift
	"$FIXTURES/mkelf" "$@" "$out"
	echo "$out"
}

@test "list agrees with readelf -n on python3.11, libpython3.11 and libstdc++" {
	agrees_with_readelf "$PYTHON_SDT"
	agrees_with_readelf "$LIBPYTHON"
	agrees_with_readelf "$LIBSTDCXX"
	agrees_with_readelf "$FIXTURES/libtestprobes.so"
	agrees_with_readelf "$FIXTURES/probes_noseparate"
}

@test "text: one aligned line per probe with sites, semaphore and argument count" {
	run "$USDTCTL" list "$PYTHON_SDT"
	[ "$status" -eq 0 ]
	# one line per distinct probe, in note order, as readelf counts sites, semaphores and args
	[ "${#lines[@]}" -gt 1 ]
	[ "$(squeeze <<<"$output")" = "$(readelf_list "$PYTHON_SDT")" ]
	# columns line up: every "sites=" starts at the same column
	[ "$(echo "$output" | awk '{ print index($0, "sites=") }' | sort -u | wc -l)" -eq 1 ]
	run "$USDTCTL" list "$LIBSTDCXX"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 0 ]
	[ "$(squeeze <<<"$output")" = "$(readelf_list "$LIBSTDCXX")" ]
}

@test "sites are grouped by probe in order of first appearance, sites in note order" {
	local f
	f=$(mkelf grouped.elf -p 'p:a:0x401010:0:-4@%edi' -p 'p:b:0x401020:0x602000:' \
		-p 'p:a:0x401030:0:-4@%edi 8@%rsi' -p 'p:c:0x401040:0:1@$1' -p 'p:b:0x401050:0x602000:')
	run "$USDTCTL" list "$f"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} =~ ^$f\ \ p:a\ +sites=2\ \ -\ +\ args=1-2$ ]]
	[[ ${lines[1]} =~ ^$f\ \ p:b\ +sites=2\ \ semaphore\ \ args=0$ ]]
	[[ ${lines[2]} =~ ^$f\ \ p:c\ +sites=1\ \ -\ +\ args=1$ ]]
	run "$USDTCTL" list --json "$f"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.name + " " + ([.sites[].address] | join(","))')" = \
		"$(printf 'a 0x401010,0x401030\nb 0x401020,0x401050\nc 0x401040')" ]
}

@test "bare names resolve like the dynamic loader and PATH" {
	run "$USDTCTL" list libstdc++.so.6
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	local path=${lines[0]%% *}
	[[ $path == /* ]]
	[ "$(realpath "$path")" = "$(realpath "$LIBSTDCXX")" ]
	[ "$(echo "$output" | cut -d' ' -f2-)" = "$("$USDTCTL" list "$LIBSTDCXX" | cut -d' ' -f2-)" ]

	PATH=/usr/bin:/bin run "$USDTCTL" list python3.11
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | cut -d' ' -f2-)" = "$("$USDTCTL" list "$PYTHON_SDT" | cut -d' ' -f2-)" ]
	[ "$(realpath "${lines[0]%% *}")" = "$(realpath "$PYTHON_SDT")" ]

	LD_LIBRARY_PATH=$FIXTURES run "$USDTCTL" list libtestprobes.so
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "$FIXTURES/libtestprobes.so  testlib:call "* ]]
}

@test "patterns: provider only, globs, usdt:PATH:provider:name" {
	# expected lines from readelf: note order, site counts and argument strings differ by build
	run "$USDTCTL" list "$LIBSTDCXX" libstdcxx
	[ "$status" -eq 0 ]
	[ "$(squeeze <<<"$output")" = "$(readelf_list "$LIBSTDCXX" libstdcxx)" ]
	run "$USDTCTL" list "$LIBSTDCXX" 'libstdcxx:*throw'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk '{ print $2 }' | sort | xargs)" = "libstdcxx:rethrow libstdcxx:throw" ]
	[ "$(squeeze <<<"$output")" = "$(readelf_list "$LIBSTDCXX" 'libstdcxx:*throw')" ]
	run "$USDTCTL" list "$PYTHON_SDT" "$LIBSTDCXX" '*:*entry'
	[ "$status" -eq 0 ]
	[ "$(squeeze <<<"$output")" = "$(readelf_list "$PYTHON_SDT" '*:*entry')" ]
	[[ $output == "$PYTHON_SDT  python:function__entry "* ]]
	run "$USDTCTL" list "$PYTHON_SDT" 'python:function__*'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk '{ print $2 }' | sort | xargs)" = \
		"python:function__entry python:function__return" ]
	[ "$(squeeze <<<"$output")" = "$(readelf_list "$PYTHON_SDT" 'python:function__*')" ]
	run "$USDTCTL" list "usdt:$PYTHON_SDT:python:gc__start"
	[ "$status" -eq 0 ]
	[ "$(squeeze <<<"$output")" = "$(readelf_list "$PYTHON_SDT" python:gc__start)" ]
	[[ $output == "$PYTHON_SDT  python:gc__start "* ]]
	# a bare PATH, a glob name, and the short form usdt:PATH:name (any provider)
	PATH=/usr/bin:/bin run "$USDTCTL" list 'usdt:python3.11:python:gc__*'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk '{ print $2 }' | sort | xargs)" = "python:gc__done python:gc__start" ]
	[ "$(squeeze <<<"$output" | cut -d' ' -f2-)" = \
		"$(readelf_list "$PYTHON_SDT" 'python:gc__*' | cut -d' ' -f2-)" ]
	run "$USDTCTL" list "usdt:$LIBSTDCXX:catch"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk '{ print $2 }')" = "libstdcxx:catch" ]
	# nothing matches: no probe listed, success; stderr says what was searched
	run --separate-stderr "$USDTCTL" list "$LIBSTDCXX" 'nosuch:*'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ $stderr == "usdtctl: no probe matches 'nosuch:*' in $LIBSTDCXX and the "*" libraries it loads;"* ]]
	run "$USDTCTL" list -v "$LIBSTDCXX" 'nosuch:*'
	[ "$status" -eq 0 ]
	[[ $output == *"no probe matches 'nosuch:*'"* ]]
}

@test "pattern errors are usage errors" {
	run "$USDTCTL" list "$LIBSTDCXX" 'a:*' 'b:*'
	[ "$status" -eq 2 ]
	[[ $output == *"more than one PATTERN"* ]]
	run "$USDTCTL" list 'libstdcxx:*' "$LIBSTDCXX"
	[ "$status" -eq 2 ]
	[[ $output == *"must be the last argument"* ]]
	run "$USDTCTL" list 'usdt:nopath'
	[ "$status" -eq 2 ]
	# no TARGET: every process's objects (follow.bats), not an error
	run --separate-stderr timeout 60 "$USDTCTL" list 'nosuchprovider:*'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "-v shows every site, its offsets and each argument in words" {
	run "$USDTCTL" list -v "$PYTHON_SDT" 'python:audit'
	[ "$status" -eq 0 ]
	[ "$(squeeze <<<"${lines[0]}")" = "$(readelf_list "$PYTHON_SDT" python:audit)" ]
	# every site: its addresses, readelf's argument string, and one line per argument that
	# starts with the size and sign that string gives it (the words per shape: fixtures' tests)
	local want
	want=$(readelf_sites "$PYTHON_SDT" | jq -rs '[.[] | select(.name == "audit")] | to_entries[] |
		.key as $k | .value |
		"    site \($k + 1): address \(.address), file offset \(.file_offset), semaphore \(.semaphore) (file offset \(.semaphore_offset))",
		"        args: \(.args)",
		(.args | split(" ") | map(select(. != "")) | to_entries[] |
		 (.value | capture("^(?<s>-?)(?<n>[0-9]+)@")) as $m |
		 "        arg\(.key + 1): \($m.n) \(if $m.s == "-" then "signed" else "unsigned" end) byte")')
	[ -n "$want" ]
	[ "$(printf '%s\n' "${lines[@]:1}" | grep -c '^        probed at: nop$')" -eq \
		"$(echo "$want" | grep -c '^    site ')" ]
	[ "$(printf '%s\n' "${lines[@]:1}" | grep -v '^        probed at: ' | sed -E 's/^(        arg[0-9]+: [0-9]+ [a-z]+ byte).*/\1/')" = "$want" ]
	run "$USDTCTL" list -v "$PYTHON_SDT" 'python:gc__start'
	[ "$status" -eq 0 ]
	[[ $output == *"        arg1: 4 signed bytes "* ]]
	# the global -v means the same
	local global
	global=$("$USDTCTL" -v list "$PYTHON_SDT")
	[[ $global == *"    site 1: address "* ]]
	[ "$global" = "$("$USDTCTL" list --verbose "$PYTHON_SDT")" ]
	run "$USDTCTL" list -v "$LIBSTDCXX"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^    site ')" -eq "$(readelf_sites "$LIBSTDCXX" | wc -l)" ]
	[ "$(echo "$output" | grep -c '^        arg[0-9]*: ')" -eq \
		"$(readelf_sites "$LIBSTDCXX" | jq -r .args | wc -w)" ]
}

# every object has exactly the fields of its kind
JQ_FIELDS='
def fields(k): {
	const: ["kind", "size", "value"], reg: ["kind", "reg", "size"],
	mem: ["base", "kind", "offset", "size"],
	sib: ["base", "index", "kind", "offset", "scale", "size"],
	rip: ["kind", "offset", "size", "symbol"], unsupported: ["kind", "reason", "size"]}[k];
(keys == ["arch", "name", "path", "provider", "sites"]) and
([.path, .arch, .provider, .name] | map(type) == ["string", "string", "string", "string"]) and
(.sites | length > 0) and
all(.sites[];
	((keys - ["error", "probe_address", "probe_file_offset", "probed_at"]) ==
		["address", "args", "arguments", "file_offset", "semaphore", "semaphore_offset",
		 "shape"]) and
	(.address | test("^0x[0-9a-f]+$")) and (.file_offset | test("^0x[0-9a-f]+$")) and
	(.shape == "nop" or .shape == "nop5") and
	# where trace probes the site, unless the site cannot be probed
	(if has("error") then (has("probe_address") or has("probe_file_offset") or
			       has("probed_at") | not)
	 else (.probe_address | test("^0x[0-9a-f]+$")) and
	      (.probe_file_offset | test("^0x[0-9a-f]+$")) and
	      (.probed_at == "nop" or .probed_at == "nop5") end) and
	((.semaphore == null and .semaphore_offset == null) or
	 ((.semaphore | test("^0x[0-9a-f]+$")) and (.semaphore_offset | test("^0x[0-9a-f]+$")))) and
	(.args | type == "string") and
	all(.arguments[]; (.size | type == "number") and keys == fields(.kind)))'

@test "JSON Lines parse and have the exact field set" {
	local f
	for f in "$PYTHON_SDT" "$LIBPYTHON" "$LIBSTDCXX" "$FIXTURES/libtestprobes.so"; do
		run "$USDTCTL" list --json "$f"
		[ "$status" -eq 0 ]
		[ "${#lines[@]}" -gt 0 ]
		echo "$output" | jq -e "$JQ_FIELDS" >/dev/null
		[ "$(echo "$output" | jq -r .path | sort -u)" = "$f" ]
		[ "$(echo "$output" | jq -r .arch | sort -u)" = "x86_64" ]
		# the global -j before the subcommand is the same
		[ "$("$USDTCTL" -j list "$f")" = "$output" ]
	done
	# each argument's size and kind, as readelf's argument string writes it
	run "$USDTCTL" list --json "$PYTHON_SDT" 'python:function__entry'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.sites[].arguments[] | [.size, .kind]]')" = \
		"$(readelf_sites "$PYTHON_SDT" | jq -sc '[.[] | select(.name == "function__entry") |
			.args | split(" ")[] | select(. != "") | capture("^(?<n>-?[0-9]+)@(?<op>.*)$") |
			[(.n | tonumber), (.op | if test("^\\$") then "const" elif test("^%") then "reg"
			 elif test("\\(%rip\\)$") then "rip" elif test(",") then "sib" else "mem" end)]]')" ]
}

@test "JSON arguments of every kind" {
	local f
	f=$(mkelf kinds.elf -s table=0x602100 \
		-p 'k:all:0x401010:0:-4@$-5 8@%rdi -2@-20(%rbp) 8@16(%rax,%rdx,8) 4@table+8(%rip) 8@(,%rcx,4)')
	run "$USDTCTL" list --json "$f"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e "$JQ_FIELDS" >/dev/null
	[ "$(echo "$output" | jq -c '.sites[0].arguments[:5]')" = \
		'[{"size":-4,"kind":"const","value":-5},{"size":8,"kind":"reg","reg":"rdi"},{"size":-2,"kind":"mem","base":"rbp","offset":-20},{"size":8,"kind":"sib","base":"rax","index":"rdx","scale":8,"offset":16},{"size":4,"kind":"rip","symbol":"table","offset":8}]' ]
	[ "$(echo "$output" | jq -c '.sites[0].arguments[5] | [.kind, .base, .index, .scale]')" = \
		'["sib",null,"rcx",4]' ]
	# an argument the BPF side cannot read is unsupported, with a reason; the rest stay usable
	f=$(mkelf unsup.elf -p 'k:u:0x401010:0:8f@%xmm0 -4@%edi')
	run "$USDTCTL" list --json "$f"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e "$JQ_FIELDS" >/dev/null
	[ "$(echo "$output" | jq -r '.sites[0].arguments[0] | .kind + " " + (.reason | type)')" = "unsupported string" ]
	[ "$(echo "$output" | jq -c '.sites[0].arguments[1]')" = '{"size":-4,"kind":"reg","reg":"rdi"}' ]
}

@test "a site outside the executable segments carries an error" {
	local f
	f=$(mkelf bad.elf -p 'p:good:0x401010:0:' -p 'p:bad:0x900000:0:')
	run --separate-stderr "$USDTCTL" list --json "$f"
	[ "$status" -eq 0 ]
	[[ $stderr == *"0x900000"* ]]
	echo "$output" | jq -e "$JQ_FIELDS" >/dev/null
	[ "$(echo "$output" | jq -r 'select(.name == "bad") | .sites[0].error | type')" = string ]
	[ "$(echo "$output" | jq -r 'select(.name == "good") | .sites[0] | has("error")')" = false ]
}

@test "foreign architectures list with their own arch and registers" {
	local m f
	for m in aarch64:'-4@x0 8@[sp, 16]' riscv64:'8@a0 -4@-20(s0)' s390x:'4@%r2' \
		ppc64:'8@3 -4@16(1)' arm:'4@r0' i386:'-4@%eax' loongarch64:'8@$r4'; do
		f=$(mkelf "${m%%:*}.elf" -m "${m%%:*}" -p "p:n:0x401010:0x602000:${m#*:}")
		run "$USDTCTL" list --json "$f"
		[ "$status" -eq 0 ]
		echo "$output" | jq -e "$JQ_FIELDS" >/dev/null
		[ "$(echo "$output" | jq -r .arch)" = "${m%%:*}" ]
		[ "$(echo "$output" | jq -r '.sites[0].address')" = 0x401010 ]
		[ "$(echo "$output" | jq -r '.sites[0].semaphore')" = 0x602000 ]
	done
	f=$(mkelf a64.elf -m aarch64 -p 'p:n:0x401010:0:-4@x0 8@[sp, 16]')
	run "$USDTCTL" list --json "$f"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '.sites[0].arguments')" = \
		'[{"size":-4,"kind":"reg","reg":"x0"},{"size":8,"kind":"mem","base":"sp","offset":16}]' ]
	run "$USDTCTL" list "$f"
	[ "$status" -eq 0 ]
	[[ $output =~ ^$f\ \ p:n\ \ sites=1\ \ -\ +args=2$ ]]
}

@test "-p PID lists every object the process maps, each once, as the process sees it" {
	start_bg 30 "$FIXTURES/lib_linked" wait
	wait_output "$BG_OUT" '^pid ' 10
	run "$USDTCTL" list -p "$BG_PID"
	[ "$status" -eq 0 ]
	local lib=$FIXTURES/libtestprobes.so main=$FIXTURES/lib_linked
	[[ $output == *"$main  testlib:call "* ]]
	[[ $output == *"$lib  testlib:call "* ]]
	echo "$output" | grep -q "^$lib  testlib:guarded  sites=1  semaphore  args=1$"
	# each object once
	[ -z "$(echo "$output" | awk '{ print $1, $2 }' | sort | uniq -d)" ]
	# the same as listing the files themselves
	[ "$(echo "$output" | grep "^$lib ")" = "$("$USDTCTL" list "$lib")" ]
	# a TARGET selects among the objects: by path or bare name
	run "$USDTCTL" list -p "$BG_PID" libtestprobes.so
	[ "$status" -eq 0 ]
	[ "$output" = "$("$USDTCTL" list "$lib")" ]
	run "$USDTCTL" list --json -p "$BG_PID" "$main" 'testlib:*'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.path + " " + .name')" = "$main call" ]
	run "$USDTCTL" list -p "$BG_PID" 'testlib:guarded'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk '{ print $1 }')" = "$lib" ]
	run "$USDTCTL" list -p "$BG_PID" libnosuch.so.1
	[ "$status" -eq 1 ]
	[[ $output == *"process $BG_PID maps no object matching 'libnosuch.so.1'"* ]]
}

@test "-p PID of the python3.11 interpreter" {
	start_bg 30 "$PYTHON_SDT" -c 'import sys, time; print("ready", flush=True); time.sleep(30)'
	wait_output "$BG_OUT" '^ready' 10
	run "$USDTCTL" list --json -p "$BG_PID" 'python:*'
	[ "$status" -eq 0 ]
	echo "$output" | jq -e "$JQ_FIELDS" >/dev/null
	[ "$(echo "$output" | jq -r .path | sort -u)" = "$PYTHON_SDT" ]
	[ "$(echo "$output" | jq -c '. as $p | .sites[] | {provider: $p.provider, name: $p.name,
		address, file_offset, semaphore, semaphore_offset, args}' | jq -cS .)" = \
		"$(readelf_sites "$PYTHON_SDT")" ]
}

@test "errors: missing file, not ELF, no such process, bad options" {
	run "$USDTCTL" list /nonexistent/libfoo.so
	[ "$status" -eq 1 ]
	[[ $output == *"/nonexistent/libfoo.so"* ]]
	[ "${#lines[@]}" -eq 1 ]
	run "$USDTCTL" list libnosuchlibrary.so.7
	[ "$status" -eq 1 ]
	[[ $output == *"libnosuchlibrary.so.7: no such file, program or library"* ]]
	# not a provider name either: a missing TARGET, not a PATTERN
	run "$USDTCTL" list "$LIBSTDCXX" libnosuchlibrary.so.7
	[ "$status" -eq 1 ]
	[[ $output == *"libnosuchlibrary.so.7: no such file, program or library"* ]]

	echo "not an ELF file" >"$BATS_TEST_TMPDIR/text"
	run "$USDTCTL" list "$BATS_TEST_TMPDIR/text"
	[ "$status" -eq 1 ]
	[[ $output == *"$BATS_TEST_TMPDIR/text: not an ELF file"* ]]
	[ "${#lines[@]}" -eq 1 ]
	run "$USDTCTL" list "$(mkelf trunc.elf -M trunc-header)"
	[ "$status" -eq 1 ]
	[[ $output == *"trunc.elf"* ]]

	# one bad TARGET fails the run, the others are still listed
	run "$USDTCTL" list "$BATS_TEST_TMPDIR/text" "$LIBSTDCXX"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | grep -c "^$LIBSTDCXX ")" -eq 3 ]

	local pid
	pid=$(free_pid)
	run "$USDTCTL" list -p "$pid"
	[ "$status" -eq 1 ]
	[[ $output == *"process $pid: no such process"* ]]

	for bad in "-p abc" "-p 0" "-p -5" "-p" "--bogus" "-x"; do
		run "$USDTCTL" list $bad "$LIBSTDCXX"
		[ "$status" -eq 2 ]
		[ -n "$output" ]
	done
	# no TARGET and no -p: every process's objects (follow.bats), not a usage error
	run timeout 60 "$USDTCTL" list
	[ "$status" -eq 0 ]
}

@test "a file without probes: no output, exit 0; stderr says so" {
	local f
	f=$(mkelf empty.elf)
	run --separate-stderr "$USDTCTL" list "$f"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "usdtctl: no USDT probes in $f; libraries loaded with dlopen() show with 'usdtctl list -p PID'" ]
	run --separate-stderr "$USDTCTL" list --json "$f"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ $stderr == "usdtctl: no USDT probes in $f;"* ]]
	run --separate-stderr "$USDTCTL" list -v "$f"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ $stderr == *"$f: no USDT probes"* ]]
}

@test "--json errors are JSON lines too" {
	run --separate-stderr "$USDTCTL" list --json /nonexistent/x
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .error)" = "/nonexistent/x: no such file" ]
	[[ $stderr == *"/nonexistent/x: no such file"* ]]
}

@test "list --help teaches the synopsis, options, the TARGET/PATTERN rule and examples" {
	run "$USDTCTL" list --help
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "Usage: usdtctl list [-v] [--json] [-p PID] [TARGET...] [PATTERN]" ]]
	[[ $output == *"--verbose"* && $output == *"--json"* && $output == *"--pid PID"* ]]
	[[ $output == *"TARGET and PATTERN"* ]]
	[ "$(echo "$output" | sed -n '/^Examples:/,/^$/p' | grep -c '^  usdtctl list ')" -eq 5 ]
	# the examples work
	run "$USDTCTL" list -v libstdc++.so.6 'libstdcxx:*throw'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^/')" -eq 2 ]
	need_cmd ruby
	run --separate-stderr "$USDTCTL" list ruby
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == */libruby-*"  ruby:"* ]]
}

# Speed is measured in tests/bench; this checks the grouping of many sites is right.
@test "50,000 sites group into 5,000 probes of 10 sites each" {
	local f
	f=$(mkelf big.elf -T 0x10000 -g 50000 -G 5000)
	run "$USDTCTL" list "$f"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5000 ]
	[[ ${lines[0]} =~ \ bench:probe0\ +sites=10\ \  ]]
	run "$USDTCTL" list --json "$f" 'bench:probe1'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '.sites | length')" -eq 10 ]
}

@test "JSON keeps UTF-8 text and replaces bytes that are not UTF-8" {
	local f
	f=$(mkelf utf8.elf -p $'caf\xc3\xa9:na\xffme:0x401010:0:8@%rdi')
	run "$USDTCTL" list --json "$f"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.provider')" = $'caf\xc3\xa9' ]
	[ "$(echo "$output" | jq -r '.name')" = $'na\xef\xbf\xbdme' ]
	[[ $output == *'"provider":"café"'* ]]
}
