#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --stack against real BPF: stack_target fires st:hit along two call chains (built with frame
# pointers) and prints how often it took each; usdtctl's stacks, as keys, folded and in events,
# must name those functions in that order with those counts. Symbols come from the file, from a
# debug file found by .gnu_debuglink or by build id, or are "[unknown]".

bats_require_minimum_version 1.5.0
load helpers


setup() {
	usdtctl_setup
	ST=$FIXTURES/stack_target
}

# stack_run BINARY USDTCTL-TRACE-ARGS...: BINARY 3 under usdtctl trace -c, its paths in $FIRES
stack_run() {
	local bin=$1
	shift
	usdtctl_out 60 trace "$@" -c "$bin 3 >$FIRES" 'st:hit'
}

# folded_expected: the fixture's paths as folded lines, probe last: "main;outer;middle;leaf;st:hit 3"
folded_expected() {
	sed -n 's/^path \(.*\) \([0-9]*\)$/\1;st:hit \2/p' "$FIRES" | sort
}

@test "--count --by stack: each call chain with its count, frames innermost first" {
	need_root
	stack_run "$ST" --json --count --by stack
	# frames are "func+0xN (path)"; the fixture's functions, innermost first, then main
	jq -se --arg st "$ST" 'map(select(.by.stack)) | length == 2 and
		all(.by.stack[] | test("^([A-Za-z_][A-Za-z0-9_.]*\\+0x[0-9a-f]+ \\(/.*\\)|\\[unknown\\])$")) and
		all(.by.stack[0] | startswith("leaf+0x") and endswith("(" + $st + ")"))' "$OUT"
	[ "$(jq -r 'select(.by.stack) | [(.by.stack | map(sub("\\+0x.*"; "")) |
		.[:index("main") + 1] | reverse | join(";")), .count] | "\(.[0]);st:hit \(.[1])"' "$OUT" |
		sort)" = "$(folded_expected)" ]
}

@test "--folded: one line per stack, outermost first, the probe as the leaf, as flame graphs read" {
	need_root
	stack_run "$ST" --count --by stack --folded
	# whatever runs before main (libc's start) stays in front
	[ "$(sed 's/^.*;main;/main;/' "$OUT" | sort)" = "$(folded_expected)" ]
	# the format: frames without spaces, one space, the count
	[ -z "$(grep -vE '^[^ ]+ [0-9]+$' "$OUT")" ]
	run --separate-stderr "$USDTCTL" trace --folded --count 'st:hit'
	[ "$status" -eq 2 ]
	[ "$stderr" = "usdtctl: trace: --folded needs --count --by with stack" ]
}

@test "--stack in events: every hit with its stack, in JSON and in text" {
	need_root
	stack_run "$ST" --json --stack
	[ "$(jq -s 'map(select(.name == "hit")) | length' "$OUT")" -eq 9 ]
	jq -se 'map(select(.name == "hit") | .stack | map(sub("\\+0x.*"; ""))) |
		(map(select(.[:4] == ["leaf", "middle", "outer", "main"])) | length) == 3 and
		(map(select(.[:3] == ["leaf", "other", "main"])) | length) == 6' "$OUT"
	stack_run "$ST" --stack
	# text: the event line, then one indented line per frame
	[ "$(grep -cE '^        leaf\+0x[0-9a-f]+ \(.*/stack_target\)$' "$OUT")" -eq 9 ]
	[ "$(grep -cE '^        middle\+0x' "$OUT")" -eq 3 ]
}

@test "symbols from a debug file by .gnu_debuglink or by build id; [unknown] without one" {
	need_root
	# stripped, with a debuglink to stack_target.debug beside it
	stack_run "${ST}_stripped" --count --by stack --folded
	[ "$(sed 's/^.*;main;/main;/' "$OUT" | sort)" = "$(folded_expected)" ]
	# stripped bare: the fixture's frames are unknown
	stack_run "${ST}_bare" --count --by stack --folded
	grep -q '\[unknown\];\[unknown\];\[unknown\];st:hit 6$' "$OUT"
	# its debug file under the debug directory's .build-id/xx/yyyy.debug
	local id dir=$BATS_TEST_TMPDIR/debug
	id=$(readelf -n "$ST" | sed -n 's/.*Build ID: //p')
	mkdir -p "$dir/.build-id/${id:0:2}"
	cp "$ST.debug" "$dir/.build-id/${id:0:2}/${id:2}.debug"
	USDTCTL_DEBUG_DIR=$dir stack_run "${ST}_bare" --count --by stack --folded
	[ "$(sed 's/^.*;main;/main;/' "$OUT" | sort)" = "$(folded_expected)" ]
}
