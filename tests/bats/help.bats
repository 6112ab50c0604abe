#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The options in every --help, the man page and the bash completion agree, both ways; the
# completion completes; global options mean the same before and after the command; every
# command reports an unknown option or a missing argument alike.

bats_require_minimum_version 1.5.0
load helpers

MAN=$SRC_DIR/docs/usdtctl.8
COMPLETION=$SRC_DIR/completion/usdtctl.bash

# help_section HEADING [COMMAND]: the lines of `usdtctl [COMMAND] --help` under the heading
# that starts with HEADING, up to the next empty line
help_section() {
	local heading=$1
	shift
	"$USDTCTL" "$@" --help | awk -v h="$heading" 'index($0, h) == 1 { on = 1; next }
		on && /^$/ { exit } on'
}

# help_opts HEADING [COMMAND]: the options listed under that heading, one per line
help_opts() {
	help_section "$@" | grep -E '^ +-' | sed -E 's/^ +//; s/  .*//' |
		grep -oE -- '--?[A-Za-z][A-Za-z-]*' | sort -u
}

# man_opts SUBSECTION: the options tagged (.TP) in that .SS subsection of OPTIONS
man_opts() {
	awk -v ss="$1" '
		/^\.S[SH] / { in_ss = ($0 == ".SS " ss); next }
		in_ss && tag { print; tag = 0; next }
		in_ss && /^\.TP/ { tag = 1 }' "$MAN" |
		sed -e 's/\\-/-/g' -e 's/\\f.//g' | grep -oE -- '(^|[ "])--?[A-Za-z][A-Za-z-]*' |
		tr -d ' "' | sort -u
}

# comp_opts VAR: the words of one of the completion's lists
comp_opts() {
	bash -c 'source "$1" && printf "%s\n" ${!2}' _ "$COMPLETION" "$1" | sort -u
}

# same_set NAME_A A NAME_B B: the two lists are equal, or says what differs
same_set() {
	[ "$2" = "$4" ] && return 0
	echo "$1 vs $3:" >&2
	diff <(echo "$2") <(echo "$4") >&2
	return 1
}

# check_opts HEADING COMMAND|"" MAN_SUBSECTION COMPLETION_VAR
check_opts() {
	local help man comp
	help=$(help_opts "$1" $2)
	man=$(man_opts "$3")
	comp=$(comp_opts "$4")
	[ -n "$help" ]
	same_set "usdtctl $2 --help ($1)" "$help" "man page ($3)" "$man"
	same_set "usdtctl $2 --help ($1)" "$help" "completion ($4)" "$comp"
}

@test "global options: --help, man page and completion agree; every command's help shows them" {
	check_opts "Global options" "" "Global options (before or after COMMAND)" _usdtctl_global_opts
	[ "$(help_opts "Global options" | xargs)" = "--json --legacy-attach --verbose -j -v" ]
	check_opts "Options before COMMAND" "" "Options before COMMAND" _usdtctl_main_opts
	# one text, printed from one table, in every command's --help
	local main c
	main=$(help_section "Global options")
	for c in list trace latency features calls flow gc objnew threads queries stat; do
		[ "$("$USDTCTL" $c --help | grep -c "^Global options, before or after '$c':$")" -eq 1 ]
		same_set "usdtctl --help" "$main" "usdtctl $c --help" "$(help_section "Global options" $c)"
	done
}

@test "list options: --help, man page and completion agree" {
	check_opts "Options:" list "list options" _usdtctl_list_opts
}

@test "trace options: --help, man page and completion agree" {
	check_opts "Options:" trace "trace options" _usdtctl_trace_opts
}

@test "latency options: --help, man page and completion agree" {
	check_opts "Options:" latency "latency options" _usdtctl_latency_opts
}

@test "features options: --help, man page and completion agree" {
	check_opts "Options:" features "features options" _usdtctl_features_opts
}

@test "the runtime commands' options: --help, man page and completion agree" {
	local c
	for c in calls flow gc objnew threads queries stat; do
		check_opts "Options:" $c "$c options" _usdtctl_${c}_opts
	done
}

@test "commands: --help, man page and completion agree" {
	local help man comp
	help=$("$USDTCTL" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 { print $1 }' | sort)
	man=$(awk '/^\.SH COMMANDS/ { c = 1; next } /^\.S[HS] / { c = 0 }
		c && tag { print $2; tag = 0; next } c && /^\.TP/ { tag = 1 }' "$MAN" | sort)
	comp=$(comp_opts _usdtctl_commands | grep -vx help)
	[ -n "$help" ]
	same_set "usdtctl --help" "$help" "man page COMMANDS" "$man"
	same_set "usdtctl --help" "$help" "completion" "$comp"
	# and each has a synopsis line
	local c
	for c in $help; do
		grep -qx ".B usdtctl $c" "$MAN"
	done
}

@test "the man page renders without warnings and has its sections" {
	run bash -c 'MANWIDTH=100 man --warnings -l "$1" 2>&1 >/dev/null' _ "$MAN"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(grep -E '^\.SH ' "$MAN" | cut -d' ' -f2- | xargs)" = \
		"NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS OUTPUT EXIT STATUS EXAMPLES ENVIRONMENT SEE ALSO" ]
}

# complete_line LINE: what the completion offers at the end of LINE, one per line. Words are
# split as bash splits them, ':' being a word of its own (COMP_WORDBREAKS).
complete_line() {
	bash -c '
		set -f
		source "$1"
		line=$2
		COMP_WORDS=()
		for w in $line; do
			while [[ $w == *:* ]]; do
				[[ -n ${w%%:*} ]] && COMP_WORDS+=("${w%%:*}")
				COMP_WORDS+=(":")
				w=${w#*:}
			done
			[[ -n $w ]] && COMP_WORDS+=("$w")
		done
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		_usdtctl
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$1"
}

@test "completion: commands, options, pids, files and probe names" {
	[ "$(complete_line "$USDTCTL li")" = list ]
	[ "$(complete_line "$USDTCTL --j")" = --json ]
	[ "$(complete_line "$USDTCTL list --p")" = --pid ]
	[ "$(complete_line "$USDTCTL list -j --v")" = --verbose ]
	# global options after the command too, the main ones only before it
	[ "$(complete_line "$USDTCTL trace --leg")" = --legacy-attach ]
	[ "$(complete_line "$USDTCTL features --j")" = --json ]
	[ "$(complete_line "$USDTCTL --v" | sort | xargs)" = "--verbose --version" ]
	[ "$(complete_line "$USDTCTL list --v")" = --verbose ]
	complete_line "$USDTCTL list -p " | grep -qx "$$"
	complete_line "$USDTCTL list $LIBDIR/libstdc++.so" | grep -qx "$LIBDIR/libstdc++.so.6"
	# the probes of the files already named; bash replaces the text after the last ':'
	[ "$(complete_line "$USDTCTL list $LIBDIR/libstdc++.so.6 libstdcxx:th")" = throw ]
	[ "$(complete_line "$USDTCTL list $PYTHON_SDT python:function__" | sort | xargs)" = \
		"function__entry function__return" ]
	[ "$(complete_line "$USDTCTL trace $LIBDIR/libstdc++.so.6 libstd" | sort | xargs)" = \
		"libstdcxx:catch libstdcxx:rethrow libstdcxx:throw" ]
	[ -z "$(complete_line "$USDTCTL features ")" ]
	# a runtime command's RUNTIME, from the runtime catalog
	[ "$(complete_line "$USDTCTL calls -p 1 r")" = ruby ]
	[ "$(complete_line "$USDTCTL queries --json ")" = postgresql ]
}

# ---- global options anywhere, usage errors alike ---------------------------------------------


@test "global options after the command mean what they mean before it" {
	local before probes
	# -v: list's per-site listing, wherever it stands
	before=$("$USDTCTL" -v list "$PYTHON_SDT")
	probes=$("$USDTCTL" list "$PYTHON_SDT" | wc -l)
	[ "$probes" -gt 0 ]
	[ "$(grep -c '^    site 1: address 0x' <<<"$before")" -eq "$probes" ]
	[ "$("$USDTCTL" list "$PYTHON_SDT" -v)" = "$before" ]
	[ "$("$USDTCTL" list --verbose "$PYTHON_SDT")" = "$before" ]
	# --json, before, among and after the arguments
	before=$("$USDTCTL" --json list "$PYTHON_SDT")
	jq -es "length == $probes and all(.sites | length > 0)" <<<"$before"
	[ "$("$USDTCTL" list "$PYTHON_SDT" --json)" = "$before" ]
	[ "$("$USDTCTL" list -j "$PYTHON_SDT" 'python:*')" = "$before" ]
	# features: --legacy-attach picks the legacy path and says so, in any position
	run --separate-stderr env -u USDT_LEGACY_ATTACH "$USDTCTL" features --legacy-attach --json
	[ "$status" -eq 0 ]
	jq -e '.attach == "legacy" and .attach_reason == "forced by --legacy-attach"' <<<"$output"
	[ "$(env -u USDT_LEGACY_ATTACH "$USDTCTL" --legacy-attach features --json)" = "$output" ]
	[ "$(env -u USDT_LEGACY_ATTACH "$USDTCTL" --json features --legacy-attach)" = "$output" ]
	run --separate-stderr env -u USDT_LEGACY_ATTACH "$USDTCTL" features --json
	[ "$status" -eq 0 ]
	jq -e '.attach_reason != "forced by --legacy-attach"' <<<"$output"
	# the text output says it too
	env -u USDT_LEGACY_ATTACH "$USDTCTL" features --legacy-attach |
		grep -qx 'attach path: legacy (perf_event per site): forced by --legacy-attach'
}

# usage_error LINE ARGS...: `usdtctl ARGS` exits 2, prints nothing on stdout and LINE alone on
# stderr
usage_error() {
	local line=$1
	shift
	run --separate-stderr "$USDTCTL" "$@"
	if [ "$status" -ne 2 ] || [ -n "$output" ] || [ "$stderr" != "$line" ]; then
		printf 'usdtctl %s: exit %s, stdout "%s", stderr "%s"; expected "%s"\n' \
			"$*" "$status" "$output" "$stderr" "$line" >&2
		return 1
	fi
}

@test "unknown options and missing arguments: one line of one shape from every command, exit 2" {
	local c see lsee="see 'usdtctl list --help'"
	for c in list trace latency features calls flow gc objnew threads queries stat; do
		see="see 'usdtctl $c --help'"
		usage_error "usdtctl: $c: unknown option '--bogus'; $see" $c --bogus
		usage_error "usdtctl: $c: unknown option '-x'; $see" $c -x
		# inside a group of short options, after a global one
		usage_error "usdtctl: $c: unknown option '-x'; $see" $c -v -vxv
		usage_error "usdtctl: $c: option '--json' takes no argument; $see" $c --json=yes
		usage_error "usdtctl: $c: option '--legacy-attach' takes no argument; $see" \
			$c --legacy-attach=1
		# the help it points to
		run "$USDTCTL" $c --help
		[ "$status" -eq 0 ]
		[[ ${lines[0]} == "Usage: usdtctl $c "* ]]
	done
	# after the arguments as well
	usage_error "usdtctl: list: unknown option '--bogus'; $lsee" \
		list "$PYTHON_SDT" --bogus
	usage_error "usdtctl: trace: unknown option '--bogus'; see 'usdtctl trace --help'" \
		trace "$PYTHON_SDT" 'python:*' --bogus
	usage_error "usdtctl: features: unexpected argument 'x'; see 'usdtctl features --help'" \
		features x
	# missing arguments, short and long
	usage_error "usdtctl: list: option '-p' needs an argument; $lsee" list -p
	usage_error "usdtctl: list: option '--pid' needs an argument; $lsee" list --pid
	usage_error "usdtctl: trace: option '-d' needs an argument; see 'usdtctl trace --help'" \
		trace 'python:*' -d
	usage_error "usdtctl: trace: option '--events' needs an argument; see 'usdtctl trace --help'" \
		trace 'python:*' --events
	usage_error "usdtctl: trace: option '--co' is ambiguous (--command, --count); see 'usdtctl trace --help'" \
		trace --co 'python:*'
	# before the command: the same shape, pointing at usdtctl --help
	usage_error "usdtctl: unknown option '--bogus'; see 'usdtctl --help'" --bogus list
	usage_error "usdtctl: unknown option '-x'; see 'usdtctl --help'" -x list
	# once --json is read, the error is a JSON line on stdout as well
	for c in "--json list --bogus" "list --json --bogus" "list $PYTHON_SDT -j --bogus"; do
		run --separate-stderr "$USDTCTL" $c
		[ "$status" -eq 2 ]
		[ "$(jq -r .error <<<"$output")" = "list: unknown option '--bogus'; $lsee" ]
		[ "$stderr" = "usdtctl: list: unknown option '--bogus'; $lsee" ]
	done
}

# link_types PID: the types of the BPF links PID holds, sorted, on one line
link_types() {
	local f
	for f in /proc/"$1"/fdinfo/*; do
		sed -n 's/^link_type:[[:space:]]*//p' "$f" 2>/dev/null
	done | sort | xargs
}

@test "trace with --legacy-attach after the probes: a perf_event uprobe per site, every hit" {
	need_root
	local tt=$FIXTURES/trace_target fired=$BATS_TEST_TMPDIR/fired
	local attached='^usdtctl: attached 2 sites of 2 probes in 1 objects in [0-9]+ ms$'
	# without it: one uprobe_multi link for the object
	start_bg 30 "$USDTCTL" trace "$tt" 'trace:tick' 'trace:numbers'
	wait_output "$BG_OUT" "$attached" 10
	[ "$(link_types "$BG_PID")" = uprobe_multi ]
	kill -INT "$BG_PID"
	wait "$BG_PID"
	# with it last (and -v before it): one perf_event link per site, and the library says why
	start_bg 30 "$USDTCTL" trace "$tt" 'trace:tick' 'trace:numbers' -v --legacy-attach
	wait_output "$BG_OUT" "$attached" 10
	[ "$(link_types "$BG_PID")" = "perf perf" ]
	grep -qx 'usdtctl: attach mode legacy, as asked: one perf_event uprobe per site' "$BG_OUT"
	"$tt" 2 >"$fired"
	kill -INT "$BG_PID"
	wait "$BG_PID"
	# every hit, with the values the fixture announced
	local want got
	want=$(sed -n 's/^fire //p' "$fired" | grep -E '^trace:(tick|numbers) ')
	got=$(grep -E '^[0-9]+\.[0-9]{6} ' "$BG_OUT" |
		sed -E 's/^[^ ]+ +[0-9]+ +[0-9]+ +[^ ]+ +//; s/^([^ ]+) +/\1 /')
	[ "$(wc -l <<<"$want")" -eq 4 ]
	same_set fixture "$want" trace "$got"
}
