#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# libusdt's ABI, three ways that must agree: the functions the public headers declare, the
# names lib/libusdt.map exports, and what the built libusdt.so defines.
#   tests/abi.sh SOURCE_DIR LIBUSDT_SO
set -euo pipefail

src=${1:?usage: abi.sh SOURCE_DIR LIBUSDT_SO}
so=${2:?usage: abi.sh SOURCE_DIR LIBUSDT_SO}
headers=("$src/lib/base/print.h" "$src/lib/uprobe/uprobe_multi.h" "$src/lib/usdt/usdt.h")

# declarations start a line; comments, macros and continuations do not
declared=$(cat "${headers[@]}" | grep -vE '^[[:space:]#/]' | grep -oE '\busdt_[a-z0-9_]+\(' |
	tr -d '(' | sort -u)
mapped=$(sed -n 's/^[[:space:]]*\(usdt_[a-z0-9_]*\);$/\1/p' "$src/lib/libusdt.map" | sort -u)
defined=$(nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u)

fail=0
if ! diff <(echo "$declared") <(echo "$mapped") >/dev/null; then
	echo "declared in the public headers (<) vs listed in libusdt.map (>):"
	diff <(echo "$declared") <(echo "$mapped") || true
	fail=1
fi
if ! diff <(echo "$mapped") <(echo "$defined") >/dev/null; then
	echo "listed in libusdt.map (<) vs defined by $so (>):"
	diff <(echo "$mapped") <(echo "$defined") || true
	fail=1
fi
[ $fail -eq 0 ] && echo "abi: $(wc -l <<<"$mapped") functions, declared, listed and defined alike"
exit $fail
