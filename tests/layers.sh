#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The library's layers, checked on its built objects with nm: a file may call (or reference)
# only files of its own layer or of a layer below, and the files of one layer call each other
# without a cycle. A file-level cycle is reported with the symbols that close it, so a
# function-level call cycle between files cannot pass.
#   tests/layers.sh OBJECT...   (the usdt_objs target's objects: .../lib/LAYER/FILE.c.o)
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: layers.sh OBJECT..." >&2; exit 2; }
# Bottom first. A file's layer is the first pattern its name (lib/LAYER/FILE) matches.
layers=(
	"base:lib/base/*"
	"features:lib/uprobe/kernel_features"
	"program:lib/uprobe/program"
	"attach:lib/uprobe/*"
	"grammar:lib/usdt/grammar"
	"arch-grammars:lib/usdt/arg_*"
	"arch-table:lib/usdt/arch"
	"usdt:lib/usdt/*"
)

layer_of() {
	local i pat
	for i in "${!layers[@]}"; do
		pat=${layers[$i]#*:}
		# shellcheck disable=SC2053
		if [[ $1 == $pat ]]; then
			echo "$i"
			return
		fi
	done
	echo "layers.sh: $1 is in no layer: add it to the list" >&2
	exit 1
}

declare -A def rank obj
objs=()
for o in "$@"; do
	f=$(sed 's|.*/\(lib/.*\)\.c\.o$|\1|' <<<"$o")
	obj[$f]=$o
	objs+=("$f")
done

for f in "${objs[@]}"; do
	rank[$f]=$(layer_of "$f")
	while read -r sym; do
		def[$sym]=$f
	done < <(nm --defined-only -g "${obj[$f]}" | awk '{ print $3 }')
done

# nm read nothing (its failures are lost in the process substitution): no verdict
[ "${#def[@]}" -gt 0 ] || { echo "layers: nm found no symbols in the objects" >&2; exit 1; }

# edges "from to symbol", one per referenced symbol another file defines
edges=$(for f in "${objs[@]}"; do
	nm -u "${obj[$f]}" | awk '{ print $2 }' | while read -r sym; do
		to=${def[$sym]:-}
		if [ -n "$to" ] && [ "$to" != "$f" ]; then
			echo "$f $to $sym"
		fi
	done
done | sort -u)

fail=0
while read -r from to sym; do
	[ -n "$from" ] || continue
	if [ "${rank[$to]}" -gt "${rank[$from]}" ]; then
		echo "upward call: $from (${layers[${rank[$from]}]%%:*}) -> $to" \
			"(${layers[${rank[$to]}]%%:*}) through $sym"
		fail=1
	fi
done <<<"$edges"

# a cycle among files: tsort names one on stderr
if ! cycle=$(awk '{ print $1, $2 }' <<<"$edges" | tsort 2>&1 >/dev/null); then
	echo "$cycle"
	fail=1
fi
if [ -n "${cycle:-}" ]; then
	echo "call cycle between files:"
	awk 'NR == FNR { in_loop[$0] = 1; next } ($1 in in_loop) && ($2 in in_loop)' \
		<(sed -n 's/^tsort: //p' <<<"$cycle" | grep -v 'loop') - <<<"$edges"
	fail=1
fi
[ $fail -eq 0 ] && echo "layers: ${#objs[@]} files, $(wc -l <<<"$edges") calls between files, no cycle, nothing upward"
exit $fail
