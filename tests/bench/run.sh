#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Benchmarks libusdt and usdtctl against the kernel floor and the tools users have, side by
# side in one run, and prints the results as markdown (docs/benchmarks.md is one such run):
#   1. attach + detach of 50,000 USDT sites: libusdt vs the raw BPF_LINK_CREATE vs libbpf's
#      bpf_program__attach_usdt (one perf_event uprobe per site), target idle and running
#   2. listing: usdtctl list vs readelf -n, tplist-bpfcc -l, bpftrace -l on 50,000- and
#      400,000-site binaries and real libraries
#   3. per-hit cost of a two-argument probe: no tracer, empty program, reading both
#      arguments (libusdt, libbpf, bpftrace)
#   4. usdtctl trace throughput: --count, text and JSON output, at increasing rates
#   5. probe sites: per-hit cost of bench:hit from <sys/sdt.h>, <usdt/probe.h> and a
#      nop,nop10 site, traced and untraced
#   6. in-kernel analysis per hit: usdtctl trace --count --by (a string key), --hist, latency
#      vs the empty program and bpftrace doing the same one-liners
#   7. exporters: a Prometheus scrape of 10,000 probes' counts and of an aggregate's 10,000 keys
#      (time, bytes); --perfetto
#      against --json at the full event rate (events/s, bytes per event)
#   8. following processes: fork+exec of /bin/true per second with no trace, under -c and
#      with a trace of every process running; the time a new program's exec costs until its
#      probes are armed (a fresh copy of bench_target run with and without that trace)
#
# Usage: tests/bench/run.sh [-B BUILD_DIR] [-r REPS] [-s SECTIONS] [-o OUT.md] [-u FILE.md]
#   -B  build directory (default: build); configured and built here
#   -r  repetitions of each measurement (default 5); medians are reported
#   -s  comma-separated sections to run
#       (default: attach,list,hit,trace,probe,analysis,export,follow)
#   -o  also write the markdown to OUT.md
#   -u  replace in FILE.md only the sections run, keeping the rest
#       (tests/bench/run.sh -s probe -u docs/benchmarks.md)
# Needs root (BPF). Takes ~6-10 minutes on 2 cores, most of it in the slower tools.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build reps=5 out= update= sections=attach,list,hit,trace,probe,analysis,export,follow
while getopts "B:r:s:o:u:" opt; do
	case $opt in
	B) build=$(realpath -m "$OPTARG") ;;
	r) reps=$OPTARG ;;
	s) sections=$OPTARG ;;
	o) out=$(realpath -m "$OPTARG") ;;
	u) update=$(realpath -m "$OPTARG") ;;
	*) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root (BPF programs and uprobes)" >&2; exit 1; }

bench=$build/tests/bench
usdtctl=$build/cli/usdtctl
ub=$bench/usdt_bench
s50k=$bench/bench_sites_50000
s400k=$bench/bench_sites_400000
s_legacy=$bench/bench_sites_500 # one probe, 500 sites: libbpf detaches ~0.07 s per site here
s10k_probes=$bench/bench_sites_10000 # 10,000 probes of one site each
target=$bench/bench_target
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

log() { echo "run.sh: $*" >&2; }
md() { printf '%s\n' "$*" >>"$tmp/report.md"; }

# ---- setup -------------------------------------------------------------------------------------
setup() {
	if [ -x "$top/scripts/deps" ]; then
		"$top/scripts/deps" bpftrace bpfcc-tools hyperfine time >&2
	else
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bpftrace bpfcc-tools hyperfine time >&2
	fi
	log "building in $build (the generated binaries take a minute the first time)"
	cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$tmp/cmake.log" 2>&1 ||
		{ cat "$tmp/cmake.log" >&2; exit 1; }
	local targets=(usdtctl bench)
	# the probe section alone needs none of the generated binaries, which take minutes
	[ "$sections" = probe ] &&
		targets=(usdtctl usdt_bench bench_target bench_target_probe_h bench_target_nop10)
	[ "$sections" = follow ] && targets=(usdtctl bench_target)
	cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >"$tmp/build.log" 2>&1 ||
		{ tail -30 "$tmp/build.log" >&2; exit 1; }
}

machine() {
	md "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
	md "kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo);"
	md "libbpf $(pkg-config --modversion libbpf), $(bpftrace --version), $(hyperfine --version)."
	md "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg). $reps repetitions, medians."
	md "Wall time is what a user waits; CPU time (user + system of the measuring thread or"
	md "process) is what the work costs and moves less when other work shares the machine."
	md ""
}

# ---- number formatting ---------------------------------------------------------------------------
# ms SECONDS -> "12.3 ms"; us SECONDS COUNT -> per-item microseconds; ratio A B -> "1.23x"
ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }
us() { awk -v s="$1" -v n="$2" 'BEGIN { printf "%.2f us", s * 1e6 / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }'; }
# median: the median of the numbers on stdin ("-" when there is none)
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (!NR) print "-"; else print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ---- 1. attach + detach ----------------------------------------------------------------------
# Rows of the attach table for MODE (idle/running) and RECORD (attach: repeated in one
# process; once: one attach per fresh process) from usdt_bench's records:
#   RECORD METHOD MODE SITES ATTACH ATTACH_CPU DETACH DETACH_CPU FAULTS
# Ratios are per site, against the raw link of the same mode and record.
attach_rows() { # attach_rows RECORD MODE LABEL
	awk -v rec="$1" -v mode="$2" -v label="$3" -F'\t' '
	function ms(s) { return sprintf("%.1f ms", s * 1000) }
	function us(s, n) { return sprintf("%.2f us", s * 1e6 / n) }
	function x(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "-" }
	$3 != mode || ($1 != rec && !($1 == "attach" && $2 == "libbpf" && rec == "attach")) { next }
	{ m[$2] = 1; n[$2] = $4; a[$2] = $5; ac[$2] = $6; d[$2] = $7; dc[$2] = $8; f[$2] = $9 }
	END {
		name["raw"] = "floor: raw BPF_LINK_CREATE"
		name["layer"] = "libusdt usdt_attach_uprobe_multi, offsets given"
		name["libusdt"] = "libusdt usdt_attach (notes + specs + link)"
		name["libbpf"] = "libbpf 1.1 bpf_program__attach_usdt, 1 run"
		split("raw layer libusdt libbpf", order, " ")
		for (i = 1; i <= 4; i++) {
			k = order[i]
			if (!(k in m))
				continue
			printf "| %s | %s | %d | %s (%s) | %s (%s) | %s / %s | %d | %s (%s) | %s |\n",
				label, name[k], n[k], ms(a[k]), ms(ac[k]), ms(d[k]), ms(dc[k]),
				us(a[k], n[k]), us(d[k], n[k]), f[k],
				x(a[k] / n[k], a["raw"] / n["raw"]), x(ac[k] / n[k], ac["raw"] / n["raw"]),
				x(d[k] / n[k], d["raw"] / n["raw"])
		}
	}' "$tmp/attach.tsv" >>"$tmp/report.md"
}

# The median of each column of the "once" records of METHOD and MODE, as one record.
once_median() { # once_median FILE METHOD MODE
	local col vals=()
	for col in 5 6 7 8 9; do
		vals+=("$(awk -F'\t' -v m="$2" -v o="$3" '$2 == m && $3 == o { print $'$col' }' "$1" |
			sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')")
	done
	printf 'once\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$2" "$3" \
		"$(awk -F'\t' -v m="$2" '$2 == m { print $4; exit }' "$1")" "${vals[@]}"
}

bench_attach() {
	local legacy_sites fault_us r k mode flag
	local methods=(raw layer libusdt)
	# the kernel's share of an attach varies by half from one run to the next here:
	# five times the repetitions for medians that hold still
	local areps=$((reps * 5 > 99 ? 99 : reps * 5))
	log "attach: 50,000 sites, idle and running, repeated in one process ($areps times)"
	"$ub" attach -r "$areps" "$s50k" 'bench:p*' >>"$tmp/attach.tsv"
	"$ub" attach -r "$areps" -p "$s50k" 'bench:p*' >>"$tmp/attach.tsv"
	log "attach: 50,000 sites, one attach per fresh process ($areps processes each)"
	for mode in idle running; do
		flag=
		[ "$mode" = running ] && flag=-p
		for ((r = 0; r < areps; r++)); do
			for k in 0 1 2; do # rotated, so that none always follows the same one
				"$ub" attach-once $flag "${methods[(r + k) % 3]}" "$s50k" 'bench:p*' >>"$tmp/once.tsv"
			done
		done
		for k in 0 1 2; do
			once_median "$tmp/once.tsv" "${methods[k]}" "$mode" >>"$tmp/attach.tsv"
		done
	done
	log "attach: libusdt's own work, the kernel refusing the link at once ($reps processes)"
	for ((r = 0; r < reps; r++)); do
		"$ub" attach-user -r "$areps" "$s50k" 'bench:p*' >>"$tmp/user.tsv"
	done
	fault_us=$("$ub" faults | cut -f2)
	log "attach: libbpf, one perf_event uprobe per site (~1 minute: its detach is slow)"
	"$ub" attach-libbpf "$s_legacy" bench p0 >>"$tmp/attach.tsv"
	"$ub" attach-libbpf -p "$s_legacy" bench p0 >>"$tmp/attach.tsv"
	legacy_sites=$(awk '$2 == "libbpf" { print $4; exit }' "$tmp/attach.tsv")
	md "## 1. Attach + detach, 50,000 USDT sites"
	md ""
	md "One binary with 50,000 STAP_PROBE2 sites (500 probes of 100 sites, generated C)."
	md "Not running: attached for every process (pid -1); running: \`BINARY wait\` started"
	md "first, attached by its pid. Repeated: $areps attaches of each method in one process,"
	md "interleaved. Fresh process: one attach per process, as a tool attaches, $areps processes"
	md "per method; its page faults are the first use of the memory an attach writes, and one"
	md "costs $fault_us us of CPU on this machine (\`usdt_bench faults\`, a fresh anonymous page)."
	md "libbpf's per-site path is measured on $legacy_sites sites of one probe (its detach takes"
	md "~0.07 s per site here: 2,000 sites take over 2 minutes) and compared per site. Ratios"
	md "are per site against the floor of the same row group. The attach layer's row is an A/A"
	md "test: the same syscall with the same arrays as the floor, so its distance from 1.00x is"
	md "the noise of the run."
	md ""
	md "| target | method | sites | attach (CPU) | detach (CPU) | per site: attach / detach | page faults (attach) | attach vs floor (CPU) | detach vs floor |"
	md "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	attach_rows attach idle "not running, repeated"
	attach_rows once idle "not running, fresh process"
	attach_rows attach running "running, repeated"
	attach_rows once running "running, fresh process"
	md ""
	own_work
}

# libusdt's own share, without the kernel's noise: usdt_attach with the link refused at once,
# against the floor's attach (CPU medians).
own_work() {
	local first rest floor
	first=$(cut -f2 "$tmp/user.tsv" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	rest=$(cut -f3 "$tmp/user.tsv" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	floor=$(awk -F'\t' '$1 == "attach" && $2 == "raw" && $3 == "idle" { print $6 }' "$tmp/attach.tsv")
	md "libusdt's own work in \`usdt_attach\` (\`usdt_bench attach-user\`: notes, specs and arrays,"
	md "the kernel refusing the link at once for a pid that does not exist; CPU medians over $reps"
	md "processes of $areps attaches): $(ms "$first") for the first attach of a process,"
	md "$(ms "$rest") for each next one. Against the floor's $(ms "$floor") (not running,"
	md "repeated): $(ratio "$(awk -v a="$floor" -v b="$first" 'BEGIN { print a + b }')" "$floor") and"
	md "$(ratio "$(awk -v a="$floor" -v b="$rest" 'BEGIN { print a + b }')" "$floor")."
	md ""
}

# ---- 2. listing ------------------------------------------------------------------------------
# timeit NAME CMD: wall median, mean CPU (user + system) in seconds, runs and the first
# non-zero exit status of CMD, into $tmp/NAME.time. A command slower than 5 s is run once
# (tplist and bpftrace take ~25 s on 400,000 sites), one faster than 0.1 s at least 20 times.
timeit() {
	local name=$1 cmd=$2 json=$tmp/$1.json runs=$reps mean
	hyperfine -N -i --runs 1 --style none --export-json "$json" -- "$cmd" >/dev/null 2>&1 ||
		{ echo "- - 0 -" >"$tmp/$name.time"; return 0; }
	mean=$(jq '.results[0].mean' "$json")
	# process start-up noise dominates below 0.1 s: more runs there
	if awk -v m="$mean" 'BEGIN { exit !(m < 0.1) }'; then
		runs=$((reps > 20 ? reps : 20))
	elif awk -v m="$mean" 'BEGIN { exit !(m >= 5) }'; then
		runs=1
	fi
	[ "$runs" -gt 1 ] && hyperfine -N -i --warmup 1 --runs "$runs" --style none \
		--export-json "$json" -- "$cmd" >/dev/null 2>&1
	jq -r --arg r "$runs" '.results[0] |
		"\(.median) \(.user + .system) \($r) \([.exit_codes[] | select(. != 0)][0] // 0)"' \
		"$json" >"$tmp/$name.time"
}

cell() { # cell NAME [BASE_NAME] -> "12.3 ms" (and the ratio to BASE when given)
	local wall cpu runs rc base
	read -r wall cpu runs rc <"$tmp/$1.time"
	[ "$wall" = "-" ] && { printf 'failed'; return; }
	[ "$rc" != 0 ] && { printf 'fails (exit %s)' "$rc"; return; }
	printf '%s' "$(ms "$wall")"
	[ "$runs" = 1 ] && printf ' (1 run)'
	if [ -n "${2:-}" ]; then
		base=$(cut -d' ' -f1 "$tmp/$2.time")
		printf ', %s' "$(ratio "$wall" "$base")"
	fi
}

bench_list() {
	local files=("$s50k" "$s400k" /usr/bin/python3.11
		/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0 /usr/lib/x86_64-linux-gnu/libstdc++.so.6)
	local i f sites
	md "## 2. Listing"
	md ""
	md "Wall-time medians (hyperfine, output to /dev/null); after each tool, its time as a"
	md "multiple of \`usdtctl list\`'s. \`usdtctl list\` prints one line per probe, as tplist"
	md "and bpftrace do; \`list -v\` and readelf print every site."
	md ""
	md "| file | sites | usdtctl list | usdtctl list -v | readelf -n | tplist-bpfcc -l | bpftrace -l |"
	md "| --- | --- | --- | --- | --- | --- | --- |"
	for i in "${!files[@]}"; do
		f=${files[$i]}
		[ -r "$f" ] || continue
		log "list: $f"
		sites=$(readelf -n "$f" | grep -c 'NT_STAPSDT' || true)
		timeit "l$i-usdtctl" "$usdtctl list $f"
		timeit "l$i-usdtctlv" "$usdtctl list -v $f"
		timeit "l$i-readelf" "readelf -n $f"
		timeit "l$i-tplist" "tplist-bpfcc -l $f"
		timeit "l$i-bpftrace" "bpftrace -l 'usdt:$f:*'"
		md "| ${f#"$build"/} | $sites | $(cell "l$i-usdtctl") | $(cell "l$i-usdtctlv" "l$i-usdtctl") |" \
			"$(cell "l$i-readelf" "l$i-usdtctl") | $(cell "l$i-tplist" "l$i-usdtctl") |" \
			"$(cell "l$i-bpftrace" "l$i-usdtctl") |"
	done
	md ""
	md "Linearity of \`usdtctl list\` (wall median and mean CPU, per site):"
	md ""
	md "| sites | wall | wall per site | CPU | CPU per site |"
	md "| --- | --- | --- | --- | --- |"
	for i in 0 1; do
		local wall cpu runs rc
		read -r wall cpu runs rc <"$tmp/l$i-usdtctl.time"
		[ "$wall" = "-" ] && continue
		sites=$(readelf -n "${files[$i]}" | grep -c 'NT_STAPSDT' || true)
		md "| $sites | $(ms "$wall") | $(us "$wall" "$sites") | $(ms "$cpu") | $(us "$cpu" "$sites") |"
	done
	md ""
}

# ---- 3. per hit ------------------------------------------------------------------------------
bench_hit() {
	local hits=100000 i line cpus=() walls=() cpu wall none empty
	log "per hit: $hits hits x $reps runs per tracer"
	"$ub" hit -r "$reps" -n "$hits" "$target" none empty args libbpf-empty libbpf-args \
		>"$tmp/hit.tsv"
	for ((i = 0; i < reps; i++)); do
		line=$(bpftrace -e "usdt:$target:bench:hit { @s = sum(arg0 + arg1); }" \
			-c "$target loop $hits" 2>/dev/null | grep -E '^[0-9.]+ [0-9.]+$' || true)
		[ -n "$line" ] || continue
		cpus+=("${line% *}")
		walls+=("${line#* }")
	done
	if [ ${#cpus[@]} -gt 0 ]; then
		cpu=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{ v[NR] = $1 } END {
			print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
		wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ v[NR] = $1 } END {
			print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
		printf 'hit\tbpftrace\t%s\t%s\n' "$cpu" "$wall" >>"$tmp/hit.tsv"
	fi
	none=$(awk '$2 == "none" { print $3 }' "$tmp/hit.tsv")
	empty=$(awk '$2 == "empty" { print $3 }' "$tmp/hit.tsv")
	md "## 3. Per-hit cost of a two-argument probe"
	md ""
	md "\`bench_target loop $hits\` fires bench:hit (two longs in registers) in a loop; the"
	md "tracer attaches by pid before the target starts. ns per hit, medians of $reps runs, in the"
	md "target thread's CPU time (which includes the kernel's uprobe handling) and in wall time."
	md ""
	md "| tracer | ns/hit (CPU) | ns/hit (wall) | vs libusdt empty program |"
	md "| --- | --- | --- | --- |"
	while IFS=$'\t' read -r _ mode cpu wall; do
		local name
		case $mode in
		none) name="no tracer" ;;
		empty) name="libusdt: empty program (uprobe_multi)" ;;
		args) name="libusdt: reads both arguments (usdt_arg)" ;;
		libbpf-empty) name="libbpf 1.1: empty program (perf_event uprobe)" ;;
		libbpf-args) name="libbpf 1.1: reads both arguments (bpf_usdt_arg)" ;;
		bpftrace) name="bpftrace: @s = sum(arg0 + arg1)" ;;
		esac
		md "| $name | $cpu | $wall | $(ratio "$cpu" "$empty") |"
	done <"$tmp/hit.tsv"
	md ""
	md "Hits per second one core can take with an empty program attached:" \
		"$(awk -v e="$empty" 'BEGIN { printf "%.0f", 1e9 / e }'); no tracer: $(awk -v e="$none" \
			'BEGIN { printf "%.0f", 1e9 / e }')."
	md ""
}

# ---- 4. usdtctl trace throughput -------------------------------------------------------------
# trace_once OUTPUT RATE THREADS: one usdtctl trace -c run of 2 s; appends to $tmp/trace.runs
#   fired/s events lost missed target-CPU-ns/hit usdtctl-CPU-ns/event output-bytes/event
# or "failed: MESSAGE". The target reports its CPU time; usdtctl's is /usr/bin/time's total
# (which includes the target, its waited-for child) minus the target's.
trace_once() {
	local output=$1 rate=$2 threads=$3 secs=2 flags=() fired elapsed tcpu events lost total bytes
	case $output in
	count) flags=(--count) ;;
	json) flags=(--json) ;;
	perfetto) flags=(--perfetto "$tmp/trace.pftrace") ;;
	esac
	rm -f "$tmp/trace.pftrace"
	timeout 60 /usr/bin/time -f 'time: %U %S' -o "$tmp/trace.time" "$usdtctl" trace \
		"${flags[@]}" -c "$target rate $rate $secs $threads" bench:hit \
		>"$tmp/trace.out" 2>"$tmp/trace.err" || true
	read -r fired elapsed tcpu < <(sed -n \
		's/^bench_target: fired \([0-9]*\) in \([0-9.]*\) s, CPU \([0-9.]*\) s$/\1 \2 \3/p' \
		"$tmp/trace.err") || true
	read -r events lost < <(sed -n 's/^usdtctl: \([0-9]*\) events, \([0-9]*\) lost,.*/\1 \2/p' \
		"$tmp/trace.err") || true
	total=$(awk '/^time:/ { print $2 + $3 }' "$tmp/trace.time" 2>/dev/null || true)
	if [ -z "${fired:-}" ] || [ -z "${events:-}" ] || [ -z "$total" ]; then
		echo "failed: $(grep -m1 -v '^bench_target' "$tmp/trace.err" | tr '|' '/')" \
			>>"$tmp/trace.runs"
		return 0
	fi
	bytes=$(stat -c %s "$tmp/trace.pftrace" 2>/dev/null || stat -c %s "$tmp/trace.out")
	awk -v f="$fired" -v t="$elapsed" -v tc="$tcpu" -v e="$events" -v l="$lost" \
		-v all="$total" -v b="$bytes" 'BEGIN {
		m = f - e - l
		printf "%.0f %d %d %d %.0f %.0f %.1f\n", f / t, e, l, (m > 0 ? m : 0), tc * 1e9 / f,
			(all - tc) * 1e9 / (e > 0 ? e : 1), b / (e > 0 ? e : 1)
	}' >>"$tmp/trace.runs"
}

# trace_run OUTPUT RATE THREADS: up to 3 runs; the row of the run with the median fired/s,
# and in "result" how many runs lost or missed events.
trace_run() {
	local output=$1 rate=$2 threads=$3 runs=$((reps < 3 ? reps : 3)) i
	: >"$tmp/trace.runs"
	for ((i = 0; i < runs; i++)); do
		trace_once "$output" "$rate" "$threads"
	done
	if grep -q '^failed' "$tmp/trace.runs"; then
		md "| $output | $rate | $threads | $(grep -m1 '^failed' "$tmp/trace.runs") | | | | | |"
		return 0
	fi
	sort -n -k1,1 "$tmp/trace.runs" | awk -v o="$output" -v r="$rate" -v th="$threads" '
	{ row[NR] = $0; if ($3 + $4 > 0) { bad++; lost += $3; missed += $4 } }
	END {
		split(row[int((NR + 1) / 2)], v, " ")
		res = bad ? sprintf("lost %d, missed %d in %d/%d runs", lost, missed, bad, NR) \
			  : sprintf("none lost in %d/%d runs", NR, NR)
		printf "| %s | %s | %d | %d | %d | %s | %d ns | %d ns | %s |\n", o,
			(r == 0 ? "max" : r), th, v[1], v[2], res, v[5], v[6],
			(v[6] > 0 ? sprintf("%.0f", 1e9 / v[6]) : "-")
	}' >>"$tmp/report.md"
}

bench_trace() {
	local output rate cores empty
	cores=$(nproc)
	empty=$(awk '$2 == "empty" { print $3 }' "$tmp/hit.tsv" 2>/dev/null || true)
	log "trace: --count, text and JSON at 50k-200k events/s and as fast as possible"
	md "## 4. usdtctl trace throughput"
	md ""
	md "\`usdtctl trace [--count|--json] -c 'bench_target rate RATE 2 THREADS' bench:hit\`,"
	md "output to a file; the target paces its hits over 2 s (RATE 0 = as fast as it can)."
	md "Each row is the median (by fired/s) of $((reps < 3 ? reps : 3)) runs. Events and lost come from usdtctl's"
	md "summary; \"missed\" = fired - events - lost."
	md "Target CPU per hit: the traced program's cost of one hit (uprobe + BPF program)."
	md "usdtctl CPU per event: what consuming one event costs usdtctl; its inverse is the"
	md "rate one core of usdtctl keeps up with."
	[ -n "$empty" ] && md "The kernel's uprobe alone caps the hit rate here at" \
		"$(awk -v e="$empty" -v n="$cores" 'BEGIN { printf "%.0f", n * 1e9 / e }')/s" \
		"($cores cores x 1e9 / $empty ns, the empty-program cost of section 3)."
	md ""
	md "| output | requested/s | threads | fired/s | events | lost or missed | target CPU/hit | usdtctl CPU/event | usdtctl events/s per core |"
	md "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for output in count text json; do
		for rate in 50000 100000 200000; do
			trace_run "$output" "$rate" "$cores"
		done
		trace_run "$output" 0 1
		trace_run "$output" 0 "$cores"
	done
	md ""
}

# ---- 5. probe sites ----------------------------------------------------------------------------
# probe_rows SITE TARGET: "SITE MODE CPU WALL" per mode into $tmp/probe.tsv
probe_rows() {
	"$ub" hit -r "$reps" -n 200000 "$2" empty args | sed "s/^hit/$1/" >>"$tmp/probe.tsv"
	# untraced, a call costs nanoseconds: more calls
	"$ub" hit -r "$reps" -n 20000000 "$2" none | sed "s/^hit/$1/" >>"$tmp/probe.tsv"
}

# probe_cell SITE MODE: "CPU ns CPU, WALL wall, RATIO" (RATIO: CPU against <sys/sdt.h>'s)
probe_cell() {
	local cpu wall base
	read -r cpu wall < <(awk -v s="$1" -v m="$2" '$1 == s && $2 == m { print $3, $4 }' \
		"$tmp/probe.tsv")
	base=$(awk -v m="$2" '$1 == "sdt" && $2 == m { print $3 }' "$tmp/probe.tsv")
	printf '%s ns CPU, %s ns wall, %s' "$cpu" "$wall" "$(ratio "$cpu" "$base")"
}

bench_probe() {
	local site name optimized load
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	: >"$tmp/probe.tsv"
	for site in sdt probe_h nop10; do
		log "probe sites: $site"
		probe_rows "$site" "$target$([ "$site" = sdt ] || echo "_$site")"
	done
	optimized=$("$usdtctl" features --json | jq -r 'if .uprobe_syscall then "yes" else "no" end')
	md "## 5. Probe sites: \`<sys/sdt.h>\`, \`<usdt/probe.h>\`, nop,nop10"
	md ""
	md "\`usdt_bench hit\` on \`bench_target loop\` built three ways, bench:hit (two longs in"
	md "registers) from: \`<sys/sdt.h>\` (a nop); \`<usdt/probe.h>\` (nop; lea -128(%rsp),%rsp;"
	md "nop5; lea 128(%rsp),%rsp), probed at the nop5 where the kernel has optimized uprobes"
	md "($optimized here); a nop then a 10-byte nop, probed at the nop (6.18 optimizes nop5 only)."
	md "ns per hit, medians of $reps runs of 200,000 traced hits or 20,000,000 untraced calls,"
	md "in the target thread's CPU time and in wall time; ratios of CPU time to \`<sys/sdt.h>\`'s."
	md "Run $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), load average before it: $load."
	md ""
	md "| site | empty program | reads both arguments | untraced call |"
	md "| --- | --- | --- | --- |"
	for site in sdt probe_h nop10; do
		case $site in
		sdt) name="\`<sys/sdt.h>\`: nop" ;;
		probe_h) name="\`<usdt/probe.h>\`: nop, lea, nop5, lea" ;;
		nop10) name="nop, nop10" ;;
		esac
		md "| $name | $(probe_cell $site empty) | $(probe_cell $site args) |" \
			"$(probe_cell $site none) |"
	done
	md ""
	md "The goal for \`<usdt/probe.h>\` is at most 0.35x of \`<sys/sdt.h>\`'s per-hit cost: here" \
		"$(awk '$1 == "probe_h" && $2 == "args" { h = $3 } $1 == "sdt" && $2 == "args" { s = $3 }
		END { r = h / s; printf "%.2fx with both arguments read, %s", r,
			r <= 0.35 ? "met" : "not met" }' "$tmp/probe.tsv")."
	md ""
}

# update_file FILE: FILE with each section of this run in place of its own (by its "## N."
# heading), or before FILE's closing load average when FILE lacks it
update_file() {
	/usr/bin/python3 - "$1" "$tmp/report.md" <<'EOF'
import re, sys

END = re.compile(r"(?m)^Load average at the end:.*\n?")

def sections(text):
	# every "## " heading starts a part; the numbered ones are the run's sections, the others
	# (the summary, "Reading the tables") stay where they are
	parts = re.split(r"(?m)^(?=## )", text)
	return parts[0], parts[1:]

def number(sec):
	m = re.match(r"## (\d+)\. ", sec)
	return m.group(1) if m else None

path, report = sys.argv[1], open(sys.argv[2]).read()
head, old = sections(open(path).read())
for sec in sections(report)[1]:
	sec = END.sub("", sec)
	num = number(sec)
	same = [i for i, s in enumerate(old) if number(s) == num]
	numbered = [i for i, s in enumerate(old) if number(s)]
	if same:
		tail = END.search(old[same[0]])
		old[same[0]] = sec + (tail.group(0) if tail else "")
	elif numbered and END.search(old[numbered[-1]]):
		last = numbered[-1]
		cut = END.search(old[last]).start()
		old[last] = old[last][:cut] + sec + old[last][cut:]
	else:
		old.insert(numbered[-1] + 1 if numbered else len(old), sec)
open(path, "w").write(head + "".join(old))
EOF
}

# ---- 6. in-kernel analysis --------------------------------------------------------------------
# one_hit CMD...: the target CPU ns per hit that the "bench_target LOOP N" under CMD prints
one_hit() {
	timeout 300 "$@" 2>/dev/null | sed -n 's/^\([0-9.]*\) [0-9.]*$/\1/p' | head -1
}

# numbers FILE N: the numbers of column N of FILE
numbers() { awk -v c="$2" '$c + 0 > 0 { print $c }' "$1"; }

# ratios FILE A B: the median over the runs of column A / column B (runs side by side)
ratios() {
	awk -v a="$2" -v b="$3" '$a + 0 > 0 && $b + 0 > 0 { print $a / $b }' "$1" | median |
		awk '{ if ($1 == "-") print "-"; else printf "%.2fx", $1 }'
}

# analysis_row NAME LOOP N PROBES USDTCTL-ARGS -- BPFTRACE-PROGRAM: $reps runs, each of the empty
# program, usdtctl and bpftrace one after another, into $tmp/NAME: "empty usdtctl bpftrace"
analysis_row() {
	local name=$1 loop=$2 n=$3 probes=$4 u=() i
	shift 4
	while [ "$1" != -- ]; do
		u+=("$1")
		shift
	done
	: >"$tmp/$name"
	for ((i = 0; i < reps; i++)); do
		printf '%s %s %s\n' \
			"$("$ub" hit -r 1 -n "$n" -g "$probes" -l "$loop" "$target" empty | cut -f3)" \
			"$(one_hit "$usdtctl" "${u[@]}" -c "$target $loop $n")" \
			"$(one_hit bpftrace -e "$2" -c "$target $loop $n")" >>"$tmp/$name"
	done
}

# analysis_md NAME LABEL: its table row
analysis_md() {
	local f=$tmp/$1
	md "| $2 | $(numbers "$f" 1 | median) | $(numbers "$f" 2 | median) | $(ratios "$f" 2 1) |" \
		"$(numbers "$f" 3 | median) |" \
		"$(ratios "$f" 3 1) |"
}

bench_analysis() {
	local hits=200000 pairs=100000
	local lat_bt="usdt:$target:bench:start { @s[tid] = nsecs; }
		usdt:$target:bench:done /@s[tid]/ { @ = hist(nsecs - @s[tid]); delete(@s[tid]); }"
	log "analysis: $hits hits ($pairs pairs) x $reps runs per tracer"
	analysis_row str strloop "$hits" bench:req trace --count --by arg1 'bench:req(int,str)' -- \
		"usdt:$target:bench:req { @[str(arg1)] = count(); }"
	analysis_row hist loop "$hits" bench:hit trace --hist arg0 bench:hit -- \
		"usdt:$target:bench:hit { @ = hist(arg0); }"
	analysis_row lat pairloop "$pairs" 'bench:*' latency bench:start bench:done -- "$lat_bt"
	md "## 6. In-kernel analysis: per-hit cost of aggregating in BPF"
	md ""
	md "\`bench_target strloop|loop|pairloop N\` fires bench:req (a long and one of 16 strings),"
	md "bench:hit (two longs) or bench:start/bench:done pairs on one thread; each tracer attaches"
	md "before the target starts (\`-c\`). ns per hit in the target thread's CPU time (uprobe and"
	md "BPF program included), medians of $reps runs of $hits hits; the empty program is libusdt's"
	md "on the same probes, the floor every tracer pays. Each run measures the empty program,"
	md "usdtctl and bpftrace one after another, and a ratio is the median of the runs' own ratios,"
	md "so that the machine's drift between runs cancels out."
	md ""
	md "| one-liner | empty program | usdtctl | usdtctl vs empty | bpftrace | bpftrace vs empty |"
	md "| --- | --- | --- | --- | --- | --- |"
	analysis_md str "count by a string argument: \`trace --count --by arg1\` / \`@[str(arg1)] = count()\`"
	analysis_md hist "power-of-two histogram: \`trace --hist arg0\` / \`@ = hist(arg0)\`"
	analysis_md lat "start/done latency per thread: \`latency bench:start bench:done\` / \`hist(nsecs - @s[tid])\`"
	md ""
	md "The programs' own time per run, from the kernel's bpf_stats (\`tests/bench/prog_cost.sh -r $reps\`:"
	md "run_time_ns / run_cnt, medians of $reps runs; bpf_stats' own clock reads are in every figure,"
	md "the \"empty\" row is bpftrace's empty program). It moves far less than the target's CPU per hit"
	md "when other work shares the machine:"
	md ""
	"$top/tests/bench/prog_cost.sh" -B "$build" -r "$reps" >>"$tmp/report.md"
	md ""
}

# ---- 7. exporters ----------------------------------------------------------------------------------
# scrape_times URL N: N scrapes one after another; "median-seconds bytes" of them
scrape_times() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import statistics, sys, time, urllib.request
times, size = [], 0
for _ in range(int(sys.argv[2])):
	t0 = time.perf_counter()
	with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
		size = len(r.read())
	times.append(time.perf_counter() - t0)
print(statistics.median(times), size)
EOF
}

# serve_start ARGS...: `usdtctl ARGS` (with --prometheus 127.0.0.1:0) in the background until it
# has attached; sets url and pid. serve_stop: SIGINT, and its exit.
serve_start() {
	"$usdtctl" "$@" >/dev/null 2>"$tmp/serve.err" &
	pid=$!
	for _ in $(seq 100); do
		grep -q '^usdtctl: attached' "$tmp/serve.err" && break
		sleep 0.1
	done
	url=$(sed -n 's|^usdtctl: serving metrics on \(http://.*\)$|\1|p' "$tmp/serve.err")
}

serve_stop() {
	kill -INT "$pid"
	wait "$pid" || true
}

# export_row OUTPUT THREADS: the median (by fired/s) of up to 3 runs at the full event rate
export_row() {
	local output=$1 threads=$2 runs=$((reps < 3 ? reps : 3)) i
	: >"$tmp/trace.runs"
	for ((i = 0; i < runs; i++)); do
		trace_once "$output" 0 "$threads"
	done
	if grep -q '^failed' "$tmp/trace.runs"; then
		md "| $output | $threads | $(grep -m1 '^failed' "$tmp/trace.runs") | | | | | |"
		return 0
	fi
	sort -n -k1,1 "$tmp/trace.runs" | awk -v o="$output" -v th="$threads" '
	{ row[NR] = $0; if ($3 + $4 > 0) bad++ }
	END {
		split(row[int((NR + 1) / 2)], v, " ")
		printf "| %s | %d | %d | %d | %s | %d ns | %s | %.1f |\n", o, th, v[1], v[2],
			bad ? sprintf("in %d/%d runs", bad, NR) : "none", v[6],
			(v[6] > 0 ? sprintf("%.0f", 1e9 / v[6]) : "-"), v[7]
	}' >>"$tmp/report.md"
}

bench_export() {
	local url secs bytes pid probes output threads scrapes=$((reps * 4)) keys
	log "export: a scrape of 10,000 probes and of 10,000 keys, --perfetto against --json"
	md "## 7. Exporters"
	md ""
	serve_start trace --count --prometheus 127.0.0.1:0 "$s10k_probes" 'bench:*'
	read -r secs bytes < <(scrape_times "$url" "$scrapes")
	serve_stop
	probes=$(sed -n 's/^usdtctl: attached [0-9]* sites of \([0-9]*\) probes.*/\1/p' "$tmp/serve.err")
	md "A scrape of \`usdtctl trace --count --prometheus\` serving $probes probes (the 10,000"
	md "generated ones and bench_target's own): $(ms "$secs") (median of $scrapes scrapes one after"
	md "another, HTTP included), $bytes bytes, $(awk -v b="$bytes" -v n="$probes" \
		'BEGIN { printf "%.0f", b / n }') bytes per probe row; each scrape reads every probe's"
	md "per-CPU count from BPF."
	md ""
	# an aggregate: bench:hit's arg0 is the loop index, 10,000 distinct keys
	serve_start trace --count --by arg0 --max-keys 10000 --prometheus 127.0.0.1:0 "$target" \
		bench:hit
	"$target" loop 10000 >/dev/null
	keys=$(/usr/bin/python3 -c 'import sys, urllib.request; print(sum(l.startswith(b"usdt_probe_hits_total{") for l in urllib.request.urlopen(sys.argv[1], timeout=10).read().splitlines()))' "$url")
	read -r secs bytes < <(scrape_times "$url" "$scrapes")
	serve_stop
	md "A scrape of \`usdtctl trace --count --by arg0 --max-keys 10000 --prometheus\` after"
	md "\`bench_target loop 10000\` (arg0 the loop index): $keys series, $(ms "$secs") (median of"
	md "$scrapes scrapes, HTTP included), $bytes bytes, $(awk -v b="$bytes" -v n="$keys" \
		'BEGIN { printf "%.0f", n ? b / n : 0 }') bytes per series; each scrape walks the"
	md "aggregate's BPF hash (a key and its per-CPU values per key), merges and sorts the rows."
	md ""
	md "\`usdtctl trace [--json|--perfetto FILE] -c 'bench_target rate 0 2 THREADS' bench:hit\`,"
	md "as fast as the target can hit the probe; the median (by fired/s) of" \
		"$((reps < 3 ? reps : 3)) runs; bytes per event of the output."
	md ""
	md "| output | threads | fired/s | events | lost or missed | usdtctl CPU/event | usdtctl events/s per core | bytes/event |"
	md "| --- | --- | --- | --- | --- | --- | --- | --- |"
	for output in json perfetto; do
		for threads in 1 "$(nproc)"; do
			export_row "$output" "$threads"
		done
	done
	md ""
}

# ---- 8. following processes ---------------------------------------------------------------------
# fork_exec N: fork+exec+wait of /bin/true per second, N times from bash ($tmp/fork_exec)
fork_exec() {
	"$tmp/fork_exec" "$1"
}

write_fork_exec() {
	cat >"$tmp/fork_exec" <<'EOF'
#!/bin/bash
s=$EPOCHREALTIME
for ((i = 0; i < $1; i++)); do /bin/true; done
awk -v s="$s" -v e="$EPOCHREALTIME" -v n="$1" 'BEGIN { printf "%.0f\n", n / (e - s) }'
EOF
	chmod +x "$tmp/fork_exec"
}

# fresh_runs K: wall ms of K runs of a fresh copy (a new inode) of bench_target, one hit each
fresh_runs() {
	local i
	for ((i = 0; i < $1; i++)); do
		cp "$target" "$tmp/fresh_$i"
		bash -c 's=$EPOCHREALTIME; "$0" loop 1 >/dev/null
			awk -v s="$s" -v e="$EPOCHREALTIME" "BEGIN { printf \"%.3f\n\", (e - s) * 1000 }"' \
			"$tmp/fresh_$i"
		rm -f "$tmp/fresh_$i"
	done
}

# every_process_start / _stop: usdtctl trace --count of bench:hit in every process, running
every_process_start() {
	"$usdtctl" trace --count 'bench:hit' >"$tmp/every.out" 2>"$tmp/every.err" &
	every=$!
	for _ in $(seq 300); do
		grep -q '^usdtctl: attached' "$tmp/every.err" && return
		sleep 0.1
	done
	log "the trace of every process did not start: $(cat "$tmp/every.err")"
	exit 1
}

every_process_stop() {
	kill -INT "$every"
	wait "$every" || true
}

bench_follow() {
	local n=2000 k=$((reps * 10)) i none cmd every_rate off on hits load
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	write_fork_exec
	log "follow: fork+exec of /bin/true, $reps x $n, the three ways in turn"
	: >"$tmp/none" && : >"$tmp/cmd" && : >"$tmp/every"
	for ((i = 0; i < reps; i++)); do
		fork_exec "$n" >>"$tmp/none"
		"$usdtctl" trace --count -c "$tmp/fork_exec $n >>$tmp/cmd" 'bench:hit' >/dev/null 2>&1
		every_process_start
		fork_exec "$n" >>"$tmp/every"
		every_process_stop
	done
	none=$(median <"$tmp/none") cmd=$(median <"$tmp/cmd") every_rate=$(median <"$tmp/every")
	log "follow: $k fresh copies of bench_target with and without the trace"
	every_process_start
	on=$(fresh_runs "$k" | median)
	every_process_stop
	hits=$(awk '$1 == "bench:hit" { print $2 }' "$tmp/every.out")
	off=$(fresh_runs "$k" | median)
	md "## 8. Following processes"
	md ""
	md "What following costs the traced machine. fork+exec+wait of \`/bin/true\` from a bash"
	md "loop ($n times, median of $reps runs, the three ways in turn): with no trace; inside \`usdtctl trace --count -c\`"
	md "(the loop and every process it starts followed); with \`usdtctl trace --count bench:hit\`"
	md "(every process) running. Then the time a new program takes from exec to its probes armed:"
	md "a fresh copy of \`bench_target\` (a file never seen, so its exec stops it until its probes"
	md "are attached) run with \`loop 1\`, wall time from fork to exit, median of $k copies, with"
	md "and without the trace of every process; the trace counted $hits of the $k hits (each copy's"
	md "only hit, its first instruction after the arming). Run $(date -u '+%Y-%m-%d %H:%M UTC'),"
	md "load average before it: $load (the machine is shared: compare rows of one run)."
	md ""
	md "| | fork+exec/s | ratio |"
	md "| --- | --- | --- |"
	md "| no trace | $none | 1.00x |"
	md "| \`-c\`, followed | $cmd | $(ratio "$cmd" "$none") |"
	md "| every process traced | $every_rate | $(ratio "$every_rate" "$none") |"
	md ""
	md "| a new program, fork to exit | wall |"
	md "| --- | --- |"
	md "| no trace | $off ms |"
	md "| every process traced (exec and loader stops, attach) | $on ms |"
	md "| exec to armed: the difference | $(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.1f", a - b }') ms |"
	md ""
}

setup
: >"$tmp/report.md"
md "# libusdt benchmarks"
md ""
machine
for section in attach list hit trace probe analysis export follow; do
	[[ ",$sections," == *",$section,"* ]] && "bench_$section"
done
md "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
cat "$tmp/report.md"
[ -z "$out" ] || cp "$tmp/report.md" "$out"
[ -z "$update" ] || update_file "$update"
