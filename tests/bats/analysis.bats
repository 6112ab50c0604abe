#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# usdtctl's in-kernel analysis against real BPF: --filter (globs that match and miss, integers,
# pid, uid, comm, cgroup, && || ! and parentheses, bad expressions) and the aggregates
# (--count --by, --stats, --hist, --lhist, --top, --max-keys, -i). The fixture
# (analysis_target) records every hit it fires; analysis_oracle.py computes the rows from that
# record, and usdtctl's must equal them: counts, sums, min, max and buckets exactly.
# Every usdtctl runs under `timeout`; background processes are killed in teardown.

bats_require_minimum_version 1.5.0
load helpers

PROBE='an:req(str,int)'


setup() {
	usdtctl_setup
	FX=$FIXTURES/analysis_target
	ORACLE=$BATS_TEST_DIRNAME/analysis_oracle.py
}

# analyze 'FIXTURE ARGS' USDTCTL-TRACE-ARGS...: runs the fixture under usdtctl trace --json -c,
# its record in $FIRES, usdtctl's output in $OUT and $ERR
analyze() {
	local fx_args=$1
	shift
	usdtctl_out 60 trace --json "$@" -c "$FX $fx_args >$FIRES" "$PROBE"
	grep -q '"exit_status":0' "$OUT"
}

# rows_equal 'FIXTURE ARGS' ORACLE-ARGS... -- USDTCTL-TRACE-ARGS...: analyze, then usdtctl's
# rows equal those analysis_oracle.py computes from the record
rows_equal() {
	local fx_args=$1 oracle=()
	shift
	while [ "$1" != -- ]; do
		oracle+=("$1")
		shift
	done
	shift
	analyze "$fx_args" "$@"
	"$ORACLE" "$FIRES" "$OUT" "${oracle[@]}"
}

# usage_error LINE ARGS...: `usdtctl ARGS` exits 2 with LINE alone on stderr, nothing on stdout
usage_error() {
	local line=$1
	shift
	run --separate-stderr timeout 30 "$USDTCTL" "$@"
	if [ "$status" -ne 2 ] || [ -n "$output" ] || [ "$stderr" != "$line" ]; then
		printf 'usdtctl %s: exit %s, stdout "%s", stderr "%s"; expected "%s"\n' \
			"$*" "$status" "$output" "$stderr" "$line" >&2
		return 1
	fi
}

@test "--filter: each glob keeps the names it matches and drops the others, == and !=" {
	need_root
	local g
	for g in 'al*' 'al?ha' '*' '' 'a?c' '*-1' '*e*' 'L*' '??c' 'b*a'; do
		analyze "2 2" --count --by arg0 --filter "arg0 == \"$g\""
		"$ORACLE" "$FIRES" "$OUT" --by arg0 --glob "$g"
	done
	rows_equal "2 2" --by arg0 --glob 'al*' --not -- --count --by arg0 --filter 'arg0 != "al*"'
	# comm is the fixture's name, 15 bytes at most
	rows_equal "1 1" --by arg0 -- --count --by arg0 --filter 'comm == "analysis_targ?t"'
	analyze "1 1" --count --by arg0 --filter 'comm == "analysis"'
	jq -e '.summary.events == 0' "$OUT"
}

@test "--filter: integers (signed, hex), pid, uid, cgroup, && || ! and parentheses, in events too" {
	need_root
	rows_equal "2 3" --by arg0,arg1 --where 'v >= -10 and v < 1024 or v == 1025' -- \
		--count --by arg0,arg1 --filter '(arg1 >= -10 && arg1 < 0x400) || arg1 == 1025'
	rows_equal "2 3" --by arg1 --where 'not (v > 8 or v <= -11)' -- \
		--count --by arg1 --filter '!(arg1 > 8 || arg1 <= -11) && uid == 0 && pid != 1'
	analyze "1 1" --count --filter 'uid != 0 || pid == 1'
	jq -e '.summary.events == 0' "$OUT"
	# events: only the hits that pass reach the ring buffer
	analyze "3 2" --filter 'arg1 > 100 && arg0 != "L*"'
	[ "$(jq -s 'map(select(.name == "req")) | length' "$OUT")" -eq \
		"$(awk -F'\t' '$4 > 100 && $3 !~ /^L/' "$FIRES" | wc -l)" ]
	jq -se 'map(select(.name == "req")) | all(.args[1] > 100 and (.args[0] | startswith("L") | not))' \
		"$OUT"
	# cgroup: by id, as the kernel numbers it (the root cgroup is 1)
	if [ "$(grep '^0::' /proc/self/cgroup)" = "0::/" ]; then
		analyze "1 1" --count --filter 'cgroup == 1'
		jq -e '.summary.events == 9' "$OUT"
		analyze "1 1" --count --filter 'cgroup != 0x1'
		jq -e '.summary.events == 0' "$OUT"
	fi
}

@test "--filter: a bad expression is a usage error naming the column" {
	local long
	long=$(printf 'x%.0s' {1..129})
	local terms
	terms=$(printf 'pid == 1 || %.0s' {1..32})'pid == 2'
	local p='usdtctl: trace: bad --filter'
	usage_error "$p 'arg1 = 3' at column 6: expected ==, !=, <, <=, > or >=" \
		trace --filter 'arg1 = 3' "$PROBE"
	usage_error "$p '(arg0 == 1' at column 11: expected ')' to close the '(' at column 1" \
		trace --filter '(arg0 == 1' "$PROBE"
	usage_error "$p 'arg0 == 1)' at column 10: unbalanced ')'" \
		trace --filter 'arg0 == 1)' "$PROBE"
	usage_error "$p 'arg12 > 0' at column 1: 'arg12': probes have at most 12 arguments (arg0..arg11)" \
		trace --filter 'arg12 > 0' "$PROBE"
	usage_error "$p 'pid == 1 && bogus == 2' at column 13: unknown field 'bogus' (argN, pid, tid, uid, comm, cgroup)" \
		trace --filter 'pid == 1 && bogus == 2' "$PROBE"
	usage_error "$p 'comm < \"a\"' at column 8: strings compare with == and != only" \
		trace --filter 'comm < "a"' "$PROBE"
	usage_error "$p 'comm == 3' at column 9: comm compares with a \"string\"" \
		trace --filter 'comm == 3' "$PROBE"
	usage_error "$p 'pid == \"1\"' at column 8: 'pid' is a number, not a string" \
		trace --filter 'pid == "1"' "$PROBE"
	usage_error "$p 'arg0 == \"ab' at column 9: unterminated string" \
		trace --filter 'arg0 == "ab' "$PROBE"
	usage_error "$p 'arg0 == 12x' at column 9: bad integer '12x'" \
		trace --filter 'arg0 == 12x' "$PROBE"
	usage_error "$p 'arg0 == 1 arg1' at column 11: expected '&&', '||' or the end of the expression" \
		trace --filter 'arg0 == 1 arg1' "$PROBE"
	usage_error "$p '' at column 1: expected argN, pid, tid, uid, comm, cgroup, '!' or '('" \
		trace --filter '' "$PROBE"
	usage_error "$p 'cgroup == \"/nonexistent\"' at column 11: '/nonexistent' is not a cgroup v2 directory" \
		trace --filter 'cgroup == "/nonexistent"' "$PROBE"
	# the limits
	usage_error "$p 'arg0 == \"$long\"' at column 9: string longer than 128 bytes" \
		trace --filter "arg0 == \"$long\"" "$PROBE"
	usage_error "$p '$terms' at column 385: more than 32 comparisons" \
		trace --filter "$terms" "$PROBE"
}

@test "--filter and aggregates that need a string where the probe has none: usage errors" {
	need_root
	usage_error "usdtctl: trace: --filter compares arg1 with a string, but no traced probe has a string arg1 (give a type list: 'PROBE(int,str)')" \
		trace --filter 'arg1 == "x"' -c "$FX" "$PROBE"
	usage_error "usdtctl: trace: arg0 of an:req is a string, not a number" \
		trace --stats arg0 -c "$FX" "$PROBE"
	usage_error "usdtctl: trace: --by: arg0 of an:req is a string; a key holds 2, those of its first 2 argN keys" \
		trace --count --by arg0,arg1,arg0 -c "$FX" 'an:req(str,str)'
}

@test "aggregate options: bad values and combinations are usage errors" {
	local see="see 'usdtctl trace --help'"
	usage_error "usdtctl: trace: --by: unknown key 'foo' (probe, argN with N < 12, pid, tid, comm, stack)" \
		trace --count --by arg0,foo "$PROBE"
	usage_error "usdtctl: trace: --by: at most 4 keys besides probe" \
		trace --count --by arg0,arg1,pid,tid,comm "$PROBE"
	usage_error "usdtctl: trace: --by, --top and --max-keys need --count, --stats, --hist or --lhist" \
		trace --by pid "$PROBE"
	usage_error "usdtctl: trace: --count excludes --stats, --hist and --lhist" \
		trace --count --hist arg1 "$PROBE"
	usage_error "usdtctl: trace: --stats, --hist and --lhist exclude each other" \
		trace --stats arg1 --hist arg1 "$PROBE"
	usage_error "usdtctl: trace: --hist: expected argN (N < 12), not 'x'" \
		trace --hist x "$PROBE"
	usage_error "usdtctl: trace: --lhist: expected argN,MIN,MAX,STEP, not 'arg1,0,10'" \
		trace --lhist arg1,0,10 "$PROBE"
	usage_error "usdtctl: trace: --lhist 'arg1,0,10,3': needs MIN < MAX, STEP > 0 dividing MAX - MIN, at most 1022 buckets" \
		trace --lhist arg1,0,10,3 "$PROBE"
	usage_error "usdtctl: trace: bad --top '0'" trace --count --by pid --top 0 "$PROBE"
	usage_error "usdtctl: trace: bad --max-keys 'x'" trace --count --by pid --max-keys x "$PROBE"
	usage_error "usdtctl: trace: -i needs --count, --stats, --hist or --lhist" \
		trace -i 1 "$PROBE"
	usage_error "usdtctl: trace: option '--filter' needs an argument; $see" trace "$PROBE" --filter
}

@test "--count --by: string keys by contents (cut at 64 bytes), tids, several threads" {
	need_root
	rows_equal "4 3" --by arg0 -- --count --by arg0
	# the long name is cut, not edited, and by_truncated says so
	jq -se 'map(select(.by.arg0? // "" | startswith("LLL"))) |
		length == 1 and all(.by.arg0 == ("L" * 64) and .by_truncated == ["arg0"])' "$OUT"
	[ "$(jq -c 'select(.by_truncated)' "$OUT" | wc -l)" -eq 1 ]
	rows_equal "4 3" --by tid,arg0,arg1 -- --count --by tid,arg0,arg1
	# the summary counts every hit
	jq -e ".summary.events == $(wc -l <"$FIRES")" "$OUT"
	# text: a table with the key and the count
	timeout 60 "$USDTCTL" trace --count --by arg0 -c "$FX 2 1 >/dev/null" "$PROBE" >"$OUT" 2>"$ERR"
	grep -qE '^KEY +COUNT$' "$OUT"
	grep -qE '^an:req arg0="alpha" +2$' "$OUT"
	grep -qE '^an:req arg0="" +2$' "$OUT"
}

@test "--stats: count, sum (wrapping at 64 bits), min, max and avg equal the record" {
	need_root
	rows_equal "3 5" --by arg0 --value stats -- --stats arg1 --by arg0
	rows_equal "2 2" --value stats -- --stats arg1
	# --top: the largest sums
	rows_equal "3 5" --by arg0 --value stats --top 3 -- --stats arg1 --by arg0 --top 3
	[ "$(jq -s 'map(select(.name == "req")) | length' "$OUT")" -eq 3 ]
}

@test "--hist and --lhist: every bucket count equals the record, at every bucket edge" {
	need_root
	rows_equal "3 4" --by arg0 --value hist -- --hist arg1 --by arg0
	rows_equal "3 4" --value hist -- --hist arg1
	# the edges themselves: 2^k - 1, 2^k, 2^62, INT64_MAX and INT64_MIN all land where they should
	jq -se 'map(select(.hist) | .hist[] | select(.ge == 4611686018427387904)) |
		length == 1 and .[0].lt == 9223372036854775808' "$OUT"
	rows_equal "3 4" --by tid --value lhist:-10,100,10 -- --lhist arg1,-10,100,10 --by tid
	rows_equal "3 4" --value lhist:0,1022,1 -- --lhist arg1,0,1022,1
	# text as bpftrace prints hist(): label, count, a bar of up to 52 '@' for the largest
	timeout 60 "$USDTCTL" trace --hist arg1 -c "$FX 1 1 >$FIRES" "$PROBE" >"$OUT" 2>"$ERR"
	grep -qx 'an:req: count 9' "$OUT"
	local rows
	rows=$(grep '|' "$OUT")
	# every line a bucket label, a count and a bar, the buckets' counts adding up to the hits
	[ -z "$(grep -vE '^(\(\.\.\., 0\)|\[0\]|\[1\]|\[[0-9]+[KMGTPE]?, [0-9]+[KMGTPE]?\)) +[0-9]+ \|@* *\|$' <<<"$rows")" ]
	[ "$(awk -F'|' '{ split($1, f, " "); n += f[length(f)] } END { print n }' <<<"$rows")" -eq 9 ]
	# the largest bucket's bar is 52 wide; labels as bpftrace writes them
	[ "$(sort -t'|' -k1.17,1.24n <<<"$rows" | tail -1 | tr -cd '@' | wc -c)" -eq 52 ]
	grep -q '^(\.\.\., 0) ' <<<"$rows"
	grep -qE '^\[(1K, 2K|512K, 1M|4E, 8E)\) ' <<<"$rows"
}

@test "--max-keys: hits of keys past it are counted and reported, never lost silently" {
	need_root
	analyze "2 2" --count --by arg1 --max-keys 5
	local kept total
	[ "$(jq -s 'map(select(.name == "req")) | length' "$OUT")" -eq 5 ]
	kept=$(jq -s 'map(select(.name == "req") | .count) | add' "$OUT")
	total=$(wc -l <"$FIRES")
	[ "$kept" -lt "$total" ]
	grep -qx "usdtctl: warning: $((total - kept)) hits were not aggregated: more than 5 keys (raise --max-keys)" "$ERR"
}

# intervals ORACLE-ARGS -- TRACE-ARGS: `usdtctl trace -i 0.2 TRACE-ARGS` while the fixture fires
# twice; the rows of every interval add up to its record
intervals() {
	local oracle=()
	while [ "$1" != -- ]; do
		oracle+=("$1")
		shift
	done
	shift
	: >"$ERR" # not the last run's "attached": the background shell truncates it later
	"$USDTCTL" trace --json "$@" -i 0.2 "$FX" "$PROBE" >"$OUT" 2>"$ERR" 3>&- &
	local pid=$!
	BG_PIDS+=("$pid")
	(sleep 30 && kill -KILL "$pid") >/dev/null 2>&1 3>&- &
	BG_PIDS+=("$!")
	wait_output "$ERR" '^usdtctl: attached ' 10
	"$FX" 2 3 >"$FIRES"
	sleep 0.5
	# the first run's hits are in the intervals printed since, not left for the end
	[ "$(jq -s 'map(select(.interval) | .count) | add' "$OUT")" -eq "$(wc -l <"$FIRES")" ]
	"$FX" 1 2 >>"$FIRES"
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
	"$ORACLE" "$FIRES" "$OUT" "${oracle[@]}" --intervals
	[ "$(jq -s 'map(select(.interval) | .interval) | unique | length' "$OUT")" -ge 2 ]
}

@test "-i: the rows of every interval add up to the record" {
	need_root
	intervals --by arg0 -- --count --by arg0
	# keyed by the probe alone: the array's two halves take turns
	intervals --value hist -- --hist arg1
	intervals --value stats -- --stats arg1
}

@test "Python 3.11: calls per function, counted in BPF" {
	need_root
	local script=$BATS_TEST_TMPDIR/calls.py
	cat >"$script" <<'PY'
def f():
    pass
def g():
    f()
for _ in range(7):
    g()
f()
PY
	# function__entry fires for calls from Python only while python:line is enabled
	run --separate-stderr timeout 60 "$USDTCTL" trace --json --count --by arg1 \
		--filter "arg0 == \"$script\"" -c "$PYTHON_SDT $script" 'python:function__entry' 'python:line'
	[ "$status" -eq 0 ]
	jq -se 'map(select(.name == "function__entry") | {(.by.arg1): .count}) | add |
		.f == 8 and .g == 7' <<<"$output"
}

# memlock NAME ARGS...: MEMLOCK, the bytes the kernel counts for usdtctl's map NAME while
# `usdtctl trace ARGS $FX $PROBE` runs (in the test's shell: its failures fail the test)
memlock() {
	local name=$1
	shift
	usdtctl_bg 30 /dev/null "$ERR" trace "$@" "$FX" "$PROBE"
	# the maps usdtctl holds, by id
	MEMLOCK=$(sed -n 's/^map_id:[[:space:]]*//p' /proc/"$USDTCTL_PID"/fdinfo/* 2>/dev/null |
		while read -r id; do bpftool -j map show id "$id"; echo; done |
		jq -s --arg n "$name" 'map(select(.name == $n)) | .[0].bytes_memlock')
	usdtctl_stop
}

# within WANT GOT: within 5% (the kernel's per-element overhead) or 1 KiB (its per-map one)
within() {
	local slack=$(($1 / 20 > 1024 ? $1 / 20 : 1024))
	[ "$2" -ge $(($1 - slack)) ] && [ "$2" -le $(($1 + slack)) ] || {
		echo "memlock $2, docs say $1" >&2
		return 1
	}
}

@test "the aggregates' memory is what the docs say: keys x (K + 72 + CPUs x (32 + 8 x buckets))" {
	need_root
	local ncpu probes
	ncpu=$(cat /sys/devices/system/cpu/possible | awk -F- '{ print $NF + 1 }')
	# K: 16, 8 for the one --by key, 64 for an argument's string
	memlock agg_map --hist arg1 --by arg0
	within $((4096 * (16 + 8 + 64 + 72 + ncpu * (32 + 8 * 65)))) "$MEMLOCK"
	# keyed by the probe alone: an array, two slots per probe of the pattern (readelf's count)
	probes=$(readelf -n "$FX" | awk '$1 == "Provider:" { p = $2 } $1 == "Name:" { print p ":" $2 }' |
		sort -u | grep -c "^${PROBE%%(*}\$")
	[ "$probes" -ge 1 ]
	memlock agg_arr --hist arg1
	within $((2 * probes * (8 + ncpu * (32 + 8 * 65)))) "$MEMLOCK"
}
