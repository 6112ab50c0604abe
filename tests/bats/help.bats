#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The options in every --help, the man page and the bash completion agree, both ways; the
# completion completes.

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
	for c in list trace features; do
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

@test "features options: --help, man page and completion agree" {
	check_opts "Options:" features "features options" _usdtctl_features_opts
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
}

