#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The BPF programs' own cost per hit of the one-liners of run.sh's section 6, usdtctl's and
# bpftrace's, from the kernel's bpf_stats (run_time_ns / run_cnt of each program): the time
# inside the program only, without the uprobe machinery around it, so it moves far less than
# the target's CPU per hit when other work shares the machine. bpf_stats' own clock reads are
# in every figure (the "empty" row: bpftrace's empty program); they are not in run.sh's.
#
# Usage: tests/bench/prog_cost.sh [-B BUILD_DIR] [-r REPS]
#   prints a markdown table: per one-liner, the median over REPS runs (default 5) of ns per
#   program run, the target's CPU ns per hit in the same runs, and the memory of the programs'
#   maps as the kernel counts it (bytes_memlock)
# Needs root (BPF, sysctl kernel.bpf_stats_enabled, which it turns on and back off).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build reps=5
while getopts "B:r:" opt; do
	case $opt in
	B) build=$(realpath -m "$OPTARG") ;;
	r) reps=$OPTARG ;;
	*) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
usdtctl=$build/cli/usdtctl target=$build/tests/bench/bench_target
tmp=$(mktemp -d)
stats=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled=$stats; rm -rf "$tmp"' EXIT
sysctl -qw kernel.bpf_stats_enabled=1

prog_ids() { bpftool prog show -j | jq -c '[.[].id]'; }

# one LOOP N TRACER...: "ns-per-run target-ns-per-hit" of one run; the tracer attaches to the
# bench_target file, the target runs once, the programs loaded since are read before it ends
one() {
	local loop=$1 n=$2 before pid hit
	shift 2
	before=$(prog_ids)
	rm -f "$tmp/out" "$tmp/err" # not the last tracer's "attached"
	timeout 120 "$@" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 200); do
		grep -sqE 'attached|Attaching' "$tmp/err" "$tmp/out" && break
		sleep 0.05
	done
	sleep 0.5 # bpftrace says "Attaching" before it attaches
	hit=$(timeout 120 "$target" "$loop" "$n" | cut -d' ' -f1)
	# programs of this tracer: new since it started, and run at least once per hit; the bytes
	# the kernel counts for their maps
	bpftool map show -j >"$tmp/maps"
	bpftool prog show -j | jq -r --argjson b "$before" --argjson n "$n" --slurpfile m "$tmp/maps" '
		[.[] | select((.id as $i | $b | index($i) | not) and (.run_cnt // 0) >= $n)]
		| if length == 0 then "- -" else
		  "\((map(.run_time_ns) | add) / (map(.run_cnt) | add) | . * 10 | round / 10) \(
		   [.[].map_ids[]?] | unique | map(. as $id | $m[0][] | select(.id == $id) |
		   .bytes_memlock) | add // 0)" end' |
		tr '\n' ' '
	echo "$hit"
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" || true
}

# row NAME LOOP N TRACER...: the medians of REPS runs (a run the tracer was not attached for
# in time is run again, up to REPS times more)
row() {
	local name=$1 i
	shift
	: >"$tmp/runs"
	for ((i = 0; i < 2 * reps && $(wc -l <"$tmp/runs") < reps; i++)); do
		one "$@" | grep -v '^- ' >>"$tmp/runs" || true
	done
	printf '| %s | %s | %s | %s |\n' "$name" "$(med 1)" "$(med 3)" \
		"$(awk -v b="$(med 2)" 'BEGIN { printf "%.1f", b / 1048576 }')"
}

# med N: the median of field N of the runs
med() { cut -d' ' -f"$1" "$tmp/runs" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

t=$target lat_bt="usdt:$target:bench:start { @s[tid] = nsecs; }
	usdt:$target:bench:done /@s[tid]/ { @ = hist(nsecs - @s[tid]); delete(@s[tid]); }"
echo "| one-liner | ns per program run (bpf_stats) | target CPU ns per hit | its maps, MiB (memlock) |"
echo "| --- | --- | --- | --- |"
row "empty: bpftrace \`{ }\`" loop 100000 bpftrace -e "usdt:$t:bench:hit { }"
row "usdtctl trace --count" loop 100000 "$usdtctl" trace --count "$t" bench:hit
row "usdtctl trace --count --by arg1" strloop 100000 \
	"$usdtctl" trace --count --by arg1 "$t" 'bench:req(int,str)'
row "bpftrace @[str(arg1)] = count()" strloop 100000 \
	bpftrace -e "usdt:$t:bench:req { @[str(arg1)] = count(); }"
row "usdtctl trace --hist arg0" loop 100000 "$usdtctl" trace --hist arg0 "$t" bench:hit
row "bpftrace @ = hist(arg0)" loop 100000 bpftrace -e "usdt:$t:bench:hit { @ = hist(arg0); }"
row "usdtctl latency (START and END)" pairloop 50000 "$usdtctl" latency "$t" bench:start bench:done
row "bpftrace hist(nsecs - @s[tid]) (start and done)" pairloop 50000 bpftrace -e "$lat_bt"
