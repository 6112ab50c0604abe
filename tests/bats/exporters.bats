#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The exporters: --prometheus scraped by a real Prometheus server (its query API must show the
# fixture's hits, and the prom_rows fixture's by-key rows and histograms as it recorded them),
# 50 scrapes at once, scrapes while the counts change, silent and malformed
# clients, a busy or bad address; --perfetto files decoded with protoc against
# tests/perfetto/perfetto_subset.proto and checked by tests/perfetto/check_trace.py (tracks
# described first, slices balanced and nested per track) against the fixtures' own record.
# Everything listens on 127.0.0.1 (or ::1) only, under a timeout, and is killed in teardown.

bats_require_minimum_version 1.5.0
load helpers

TOOL=$BATS_TEST_DIRNAME/prom_tool.py
CHECK_TRACE=$SRC_DIR/tests/perfetto/check_trace.py
setup() {
	have_usdtctl
}

# free_port: a TCP port of 127.0.0.1 nobody listens on right now
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# serve ARGS...: `usdtctl trace --count --prometheus 127.0.0.1:0 ARGS` in the background (60 s
# at most); sets URL, PORT, TRACE_PID, ERR once it serves and has attached
serve() {
	serve_cmd trace --count --prometheus 127.0.0.1:0 "$@"
}

# serve_cmd ARGS...: `usdtctl ARGS` (with a --prometheus) as serve() runs it
serve_cmd() {
	start_bg 60 "$USDTCTL" "$@"
	TRACE_PID=$BG_PID ERR=$BG_OUT
	wait_output "$ERR" '^usdtctl: attached [0-9]+ sites' 10
	URL=$(sed -n 's|^usdtctl: serving metrics on \(http://127\.0\.0\.1:[0-9]*/metrics\)$|\1|p' "$ERR")
	PORT=${URL##*:} PORT=${PORT%%/*}
	[ -n "$URL" ]
}

# scrape: the body of one scrape of $URL on stdout
scrape() {
	"$PY" -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
		"$URL"
}

# stop_trace: SIGINT to usdtctl, which must exit 0 within 5 s
stop_trace() {
	local i
	kill -INT "$TRACE_PID"
	for ((i = 0; i < 50; i++)); do
		kill -0 "$TRACE_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$TRACE_PID" 2>/dev/null; then
		echo "usdtctl still runs 5 s after SIGINT" >&2
		return 1
	fi
	wait "$TRACE_PID"
}

@test "--prometheus: a real Prometheus stores the fixtures' hits, lost events, sites, and the engine's rows" {
	need_root
	need_cmd prometheus
	local fired=$BATS_TEST_TMPDIR/fired pport want rows record prom
	local cfg=$BATS_TEST_TMPDIR/prometheus.yml
	serve "$TT" 'trace:*'
	"$TT" 3 >"$fired"
	"$TT" ticks 1000
	# the fixture's record: a hit per "fire" line, and the 1,000 ticks
	want=$(sed -n 's/^fire trace:\([a-z]*\) .*/\1/p' "$fired" |
		jq -Rnc '[inputs] | group_by(.) | map({(.[0]): length}) | add | .tick += 1000')
	[ "$(jq -r .tick <<<"$want")" -eq 1003 ]
	[ "$(jq length <<<"$want")" -eq 7 ]
	# the writer with rows as the analysis engine will feed it: by-key labels that need
	# escaping, histograms of values and latencies (prom_rows prints its address and record)
	start_bg 60 "$FIXTURES/prom_rows" 60
	record=$BG_OUT
	wait_output "$record" '^\{' 10
	rows=$(sed -n 's/^serving //p' "$record")
	pport=$(free_port)
	cat >"$cfg" <<-EOF
		global:
		  scrape_interval: 1s
		  scrape_timeout: 1s
		scrape_configs:
		  - job_name: usdtctl
		    static_configs:
		      - targets: ['127.0.0.1:$PORT']
		  - job_name: rows
		    static_configs:
		      - targets: ['$rows']
	EOF
	start_bg 60 prometheus --config.file="$cfg" --web.listen-address="127.0.0.1:$pport" \
		--storage.tsdb.path="$BATS_TEST_TMPDIR/tsdb" --log.level=warn
	prom=http://127.0.0.1:$pport
	timeout 40 "$TOOL" wait "$prom" 'usdt_probe_hits_total{job="usdtctl"}' "$want" 30
	# the sites of trace:*, as readelf counts them
	want=$(readelf_sites "$TT" | jq -s 'map(select(.provider == "trace")) | length')
	timeout 20 "$TOOL" wait "$prom" 'usdt_attached_sites{job="usdtctl"}' "{\"\": $want}" 10
	timeout 20 "$TOOL" wait "$prom" 'usdt_events_lost_total{job="usdtctl"}' '{"": 0}' 10
	timeout 20 "$TOOL" wait "$prom" 'up{job="usdtctl"}' '{"": 1}' 10
	stop_trace
	grep -q '^trace:tick *1003$' "$ERR"
	# what Prometheus parsed from the engine-shaped rows equals prom_rows's record
	want=$(grep '^{' "$record")
	timeout 20 "$TOOL" wait "$prom" 'usdt_probe_hits_total{job="rows"}' "$(jq -c .hits <<<"$want")" 10 comm
	timeout 20 "$TOOL" wait "$prom" 'usdt_latency_seconds_count{job="rows"}' \
		"$(jq -c '{"app:done": .latency_count}' <<<"$want")" 10 end
	timeout 20 "$TOOL" wait "$prom" 'usdt_latency_seconds_sum{job="rows"}' \
		"$(jq -c '{"app:done": .latency_sum}' <<<"$want")" 10 end
	timeout 20 "$TOOL" wait "$prom" 'usdt_latency_seconds_bucket{job="rows",le="+Inf"}' \
		"$(jq -c '{"app:done": .latency_count}' <<<"$want")" 10 end
	timeout 20 "$TOOL" wait "$prom" 'usdt_probe_value_count{job="rows"}' \
		"$(jq -c '{size: .value_count}' <<<"$want")" 10
	timeout 20 "$TOOL" wait "$prom" 'usdt_probe_value_sum{job="rows"}' \
		"$(jq -c '{size: .value_sum}' <<<"$want")" 10
	timeout 20 "$TOOL" wait "$prom" 'usdt_probe_value_bucket{job="rows",le="7"}' \
		"$(jq -c '{size: .value_le_7}' <<<"$want")" 10
	timeout 20 "$TOOL" wait "$prom" 'usdt_keys_dropped_total{job="rows"}' \
		"$(jq -c '{"": .keys_dropped}' <<<"$want")" 10
}

# prometheus_for JOB=ADDR...: a Prometheus on 127.0.0.1 scraping each ADDR every second as JOB;
# sets PROM to its address
prometheus_for() {
	local cfg=$BATS_TEST_TMPDIR/prometheus.yml pport job
	pport=$(free_port)
	printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n' >"$cfg"
	for job in "$@"; do
		printf '  - job_name: %s\n    static_configs:\n      - targets: ["%s"]\n' \
			"${job%%=*}" "${job#*=}" >>"$cfg"
	done
	start_bg 60 prometheus --config.file="$cfg" --web.listen-address="127.0.0.1:$pport" \
		--storage.tsdb.path="$BATS_TEST_TMPDIR/tsdb" --log.level=warn
	PROM=http://127.0.0.1:$pport
}

@test "--prometheus on the engine: a real Prometheus stores hits per key and latency histograms as the fixtures recorded them" {
	need_root
	need_cmd prometheus
	local fires=$BATS_TEST_TMPDIR/fires pairs=$BATS_TEST_TMPDIR/pairs want agg lat txt
	serve_cmd trace --count --by arg0 --prometheus 127.0.0.1:0 "$FIXTURES/analysis_target" \
		'an:req(str,int)'
	agg=127.0.0.1:$PORT
	serve_cmd latency --by arg1 --prometheus 127.0.0.1:0 "$FIXTURES/latency_target" \
		'lt:start(int,str)' lt:done
	lat=127.0.0.1:$PORT
	# a key with a double quote and a newline, which the label value escapes
	serve_cmd trace --count --by arg0 --prometheus 127.0.0.1:0 "$TT" 'trace:text(str,int)'
	txt=127.0.0.1:$PORT
	"$TT" 2 >/dev/null
	"$FIXTURES/analysis_target" 3 2 >"$fires"
	"$FIXTURES/latency_target" pairs 2 3 >"$pairs"
	"$FIXTURES/latency_target" recurse 3 >>"$pairs"
	prometheus_for agg="$agg" lat="$lat" txt="$txt"
	# hits per name as recorded, a name past 64 bytes cut as the key keeps it; the empty
	# name is the series without an arg0 label
	want=$(awk -F'\t' '$1 == "req" { print $3 }' "$fires" |
		jq -Rnc '[inputs | if length > 64 then .[:64] + "..." else . end] | group_by(.)
			| map({(.[0]): length}) | add')
	[ "$(jq length <<<"$want")" -eq 9 ]
	timeout 40 "$TOOL" wait "$PROM" 'usdt_probe_hits_total{job="agg"}' "$want" 30 arg0
	timeout 20 "$TOOL" wait "$PROM" 'usdt_keys_dropped_total{job="agg"}' '{"": 0}' 10
	timeout 20 "$TOOL" wait "$PROM" 'usdt_probe_hits_total{job="txt"}' '{"say \"hi\"\n": 2}' 10 arg0
	timeout 40 "$TOOL" latency "$PROM" '{job="lat"}' "$pairs" 30
	# START and END hits per probe beside the histograms
	want=$(awk -F'\t' '$1 == "pair"' "$pairs" | wc -l)
	timeout 20 "$TOOL" wait "$PROM" 'usdt_probe_hits_total{job="lat"}' \
		"{\"start\": $want, \"done\": $want}" 10
	want=$(readelf_sites "$FIXTURES/latency_target" |
		jq -s 'map(select(.provider == "lt" and (.name == "start" or .name == "done"))) | length')
	timeout 20 "$TOOL" wait "$PROM" 'usdt_attached_sites{job="lat"}' "{\"\": $want}" 10
}

@test "--prometheus on the engine: value histograms and --stats per key equal the record; --max-keys bounds the series" {
	need_root
	local fires=$BATS_TEST_TMPDIR/fires body=$BATS_TEST_TMPDIR/body
	serve_cmd trace --hist arg1 --by arg0 --prometheus 127.0.0.1:0 "$FIXTURES/analysis_target" \
		'an:req(str,int)'
	"$FIXTURES/analysis_target" 2 3 >"$fires"
	scrape >"$body"
	stop_trace
	# each name's buckets, cumulative, as le bounds 0, 1, 3, ... (negatives in le="0"),
	# its _count, and its _sum wrapping at 64 bits, from the record
	"$PY" - "$fires" "$body" <<-'EOF'
		import re, sys
		rows = {}
		for line in open(sys.argv[1]):
		    kind, tid, name, v = line.rstrip("\n").split("\t")
		    name = name[:64] + ("..." if len(name) > 64 else "")
		    rows.setdefault(name, []).append(int(v))
		got = {}
		for m in re.finditer(r'^usdt_probe_value_(bucket|sum|count)\{provider="an",name="req",arg0="([^"]*)"(?:,le="([^"]*)")?\} (-?\d+)$', open(sys.argv[2]).read(), re.M):
		    got[(m[1], m[2], m[3])] = int(m[4])
		want = {}
		for name, vs in rows.items():
		    s = sum(vs) % (1 << 64)
		    want[("sum", name, None)] = s - (1 << 64) if s >= 1 << 63 else s
		    want[("count", name, None)] = len(vs)
		    want[("bucket", name, "+Inf")] = len(vs)
		    for i in range(64):
		        want[("bucket", name, str((1 << i) - 1))] = sum(v <= (1 << i) - 1 for v in vs)
		if got != want:
		    print("differ:", sorted(set(got.items()) ^ set(want.items()))[:6], file=sys.stderr)
		    sys.exit(1)
		print(len(rows), "keys")
	EOF
	# --stats: no buckets but +Inf, the exposition format's minimum
	serve_cmd trace --stats arg1 --prometheus 127.0.0.1:0 "$FIXTURES/analysis_target" 'an:req(str,int)'
	"$FIXTURES/analysis_target" 1 1 >"$fires"
	scrape >"$body"
	stop_trace
	[ "$(grep -c '^usdt_probe_value_bucket' "$body")" -eq 1 ]
	grep -q "^usdt_probe_value_bucket{provider=\"an\",name=\"req\",le=\"+Inf\"} $(grep -c '^req' "$fires")\$" "$body"
	grep -q "^usdt_probe_value_count{provider=\"an\",name=\"req\"} $(grep -c '^req' "$fires")\$" "$body"
	# --max-keys 5 of 29 values: 5 series, the rest counted as dropped
	serve_cmd trace --count --by arg1 --max-keys 5 --prometheus 127.0.0.1:0 \
		"$FIXTURES/analysis_target" 'an:req(str,int)'
	"$FIXTURES/analysis_target" 3 4 >"$fires"
	scrape >"$body"
	stop_trace
	[ "$(grep -c '^usdt_probe_hits_total{' "$body")" -eq 5 ]
	[ "$(awk '/^usdt_probe_hits_total\{/ { s += $2 } /^usdt_keys_dropped_total / { s += $2 } END { print s }' "$body")" \
		-eq "$(grep -c '^req' "$fires")" ]
	run promtool check metrics <"$body"
	[ "$status" -eq 0 ]
}

@test "--prometheus: 50 concurrent scrapes, and scrapes while the counts change" {
	need_root
	local seen
	serve "$TT" 'trace:tick'
	run timeout 60 "$TOOL" concurrent "$URL" 50
	[ "$status" -eq 0 ]
	[ "$output" = "50 scrapes, one format" ]
	# the fixture hits the probe while scrapes read the map: each scrape is well-formed and
	# the count never goes back; the count moved under the scrapes
	start_bg 30 "$TT" ticks 400000
	seen=$(timeout 20 "$TOOL" changing "$URL" 2)
	[ "$seen" -ge 3 ]
	run timeout 60 "$TOOL" concurrent "$URL" 50
	[ "$status" -eq 0 ]
	stop_trace
	# the same over an aggregate whose keys and histograms grow under the scrapes
	serve_cmd trace --hist arg1 --by arg0 --prometheus 127.0.0.1:0 \
		"$FIXTURES/analysis_target" 'an:req(str,int)'
	start_bg 30 "$FIXTURES/analysis_target" 4 20000
	seen=$(timeout 20 "$TOOL" changing "$URL" 2)
	[ "$seen" -ge 3 ]
	run timeout 60 "$TOOL" concurrent "$URL" 50
	[ "$status" -eq 0 ]
	stop_trace
}

@test "--prometheus: silent and half-sent clients stall neither other scrapes nor the trace" {
	need_root
	serve "$TT" 'trace:tick'
	"$TT" ticks 10
	run timeout 30 "$TOOL" idle 127.0.0.1 "$PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	# the trace went on meanwhile, and ends on SIGINT at once
	"$TT" ticks 5
	stop_trace
	grep -q '^trace:tick *15$' "$ERR"
}

@test "--prometheus: an address in use is one line and exit 1; a bad address or no --count, exit 2" {
	local port bad
	port=$(free_port)
	start_bg 30 "$PY" "$TOOL" listen 127.0.0.1 "$port"
	wait_output "$BG_OUT" '^listening$' 10
	run --separate-stderr timeout 10 "$USDTCTL" trace --count --prometheus "127.0.0.1:$port" "$TT" 'trace:tick'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "usdtctl: --prometheus 127.0.0.1:$port: cannot listen: Address already in use" ]
	# IPv6, in brackets
	start_bg 30 "$PY" "$TOOL" listen ::1 "$port"
	wait_output "$BG_OUT" '^listening$' 10
	run --separate-stderr timeout 10 "$USDTCTL" trace --count --prometheus "[::1]:$port" "$TT" 'trace:tick'
	[ "$status" -eq 1 ]
	[ "$stderr" = "usdtctl: --prometheus [::1]:$port: cannot listen: Address already in use" ]
	for bad in 9464 127.0.0.1 '[::1' '[::1]9464' '::1:9464' '127.0.0.1:http' '127.0.0.1:' \
		127.0.0.1:65536; do
		run --separate-stderr timeout 10 "$USDTCTL" trace --count --prometheus "$bad" "$TT" 'trace:tick'
		[ "$status" -eq 2 ]
		[ "$stderr" = "usdtctl: trace: --prometheus '$bad': not HOST:PORT, [IPV6]:PORT or :PORT" ]
	done
	run --separate-stderr "$USDTCTL" trace --prometheus 127.0.0.1:0 "$TT" 'trace:tick'
	[ "$status" -eq 2 ]
	[ "$stderr" = "usdtctl: trace: --prometheus needs --count, --stats, --hist or --lhist" ]
	run --separate-stderr "$USDTCTL" trace --count --prometheus 127.0.0.1:0 --perfetto x "$TT" 'trace:tick'
	[ "$status" -eq 2 ]
	[ "$stderr" = "usdtctl: trace: --prometheus and --perfetto exclude each other" ]
}

@test "--perfetto: each hit an instant on its thread's track, names and arguments as the fixture fired them" {
	need_root
	need_cmd protoc
	local pf=$BATS_TEST_TMPDIR/t.pftrace fired=$BATS_TEST_TMPDIR/fired ev=$BATS_TEST_TMPDIR/ev
	run --separate-stderr timeout 60 "$USDTCTL" trace --perfetto "$pf" -c "$TT 2 >$fired" \
		'trace:tick' 'trace:numbers' "${STR_TYPES[@]}"
	[ "$status" -eq 0 ]
	[ -z "$output" ] # the hits go to the file, not to stdout
	"$CHECK_TRACE" "$pf" >"$ev"
	# a cut string is not edited: arg0_truncated beside it (check_trace writes "xxx"...)
	diff <(sed -n 's/^fire //p' "$fired") <(jq -r .text "$ev")
	jq -se 'map(select(.name == "trace:long")) | all(.args.arg0 == ("x" * 128) and
		.args.arg0_truncated == 1)' "$ev"
	[ "$(wc -l <"$ev")" -eq 14 ]
	# every hit an instant on the command's one thread, its track named after it
	jq -se 'all(.type == "instant" and .pid == .tid and .thread == "trace_target"
		and .process == "trace_target" and .category == "trace")' "$ev"
	[ "$(jq -s 'map(.pid) | unique | length' "$ev")" -eq 1 ]
	# signed and unsigned 64-bit extremes as numbers
	jq -se 'map(select(.name == "trace:numbers")) | .[0].args.arg6 == -9223372036854775808
		and .[0].args.arg7 == 18446744073709551615' "$ev"
}

# pair_slices FILE: check_trace.py's events of a latency trace as one JSON line per slice:
# {"name", "arg1", "tid", "depth", "dur"}
pair_slices() {
	"$CHECK_TRACE" "$1" | jq -c 'select(.type == "slice_begin" or .type == "slice_end")' |
		jq -sc 'reduce .[] as $e ({open: {}, out: []};
			($e.tid | tostring) as $t
			| if $e.type == "slice_begin" then .open[$t] += [$e]
			  else .open[$t][-1] as $b
				| .out += [{name: $b.name, arg1: $b.args.arg1, arg0: $b.args.arg0,
					tid: $b.tid, depth: $e.depth, dur: ($e.ts - $b.ts),
					process: $b.process, thread: $b.thread}]
				| .open[$t] |= .[:-1] end) | .out[]'
}

# within_record PAIRS SLICES: every pair latency_target recorded has a slice of its name on its
# thread lasting between its inner and outer times
within_record() {
	jq -se --slurpfile sl "$2" -R 'split("\n") | map(select(startswith("pair")) | split("\t"))
		| all(. as $p | $sl | any(.arg1 == $p[1] and .tid == ($p[2] | tonumber)
			and .dur >= ($p[4] | tonumber) and .dur <= ($p[5] | tonumber)))' "$1"
}

@test "--perfetto on latency: each pair a slice on its thread, nested, START's arguments, durations as recorded" {
	need_root
	need_cmd protoc
	local pf=$BATS_TEST_TMPDIR/l.pftrace pairs=$BATS_TEST_TMPDIR/pairs sl=$BATS_TEST_TMPDIR/slices
	run --separate-stderr timeout 60 "$USDTCTL" latency --by arg1 --perfetto "$pf" \
		-c "$FIXTURES/latency_target recurse 5 >$pairs" 'lt:start(int,str)' lt:done
	[ "$status" -eq 0 ]
	[ "$(grep -c '^pair' "$pairs")" -eq 5 ]
	# check_trace.py: descriptors first, balanced, nested, time never going back on a track
	pair_slices "$pf" >"$sl"
	[ "$(wc -l <"$sl")" -eq 5 ]
	# dN at depth N-1, each lasting between the fixture's inner and outer times, ids 1000 on
	jq -se 'all(.name == "lt:start" and .depth == (.arg1[1:] | tonumber) - 1
		and .process == "latency_target" and .thread == "latency_target")' "$sl"
	[ "$(jq -s 'map(.arg0) | sort | join(" ")' "$sl")" = '"1000 1001 1002 1003 1004"' ]
	within_record "$pairs" "$sl"
	# siblings inside a pair: written after it ends, each in its place, in time order
	run --separate-stderr timeout 60 "$USDTCTL" latency --by arg1 --perfetto "$pf" \
		-c "$FIXTURES/latency_target tree 3 >$pairs" 'lt:start(int,str)' lt:done
	[ "$status" -eq 0 ]
	pair_slices "$pf" >"$sl"
	[ "$(jq -r '"\(.arg1)@\(.depth)"' "$sl" | xargs)" = "q1@1 q2@1 q3@1 req@0" ]
	[ "$(grep -c '^pair' "$pairs")" -eq 4 ]
	within_record "$pairs" "$sl"
	# several threads: every pair on its own thread's track, as many per name and thread as
	# recorded, each within the slowest and fastest record of its name on that thread
	run --separate-stderr timeout 60 "$USDTCTL" latency --by arg1 --perfetto "$pf" \
		-c "$FIXTURES/latency_target pairs 3 4 >$pairs" 'lt:start(int,str)' lt:done
	[ "$status" -eq 0 ]
	pair_slices "$pf" >"$sl"
	diff <(awk -F'\t' '$1 == "pair" { print $3, $2 }' "$pairs" | sort | uniq -c) \
		<(jq -r '"\(.tid) \(.arg1)"' "$sl" | sort | uniq -c)
	jq -se --slurpfile sl "$sl" -R 'split("\n") | map(select(startswith("pair")) | split("\t"))
		| group_by([.[1], .[2]]) | all(. as $g | ($g | map(.[4] | tonumber) | min) as $lo
			| ($g | map(.[5] | tonumber) | max) as $hi
			| $sl | map(select(.arg1 == $g[0][1] and .tid == ($g[0][2] | tonumber)))
			| all(.dur >= $lo and .dur <= $hi and .depth == 0))' "$pairs"
	# --perfetto needs one thread per pair; with --prometheus, and aggregates on trace: usage errors
	run --separate-stderr "$USDTCTL" latency --pair arg0 --perfetto "$pf" "$FIXTURES/latency_target" lt:start lt:done
	[ "$status" -eq 2 ]
	[ "$stderr" = "usdtctl: latency: --perfetto draws each pair on its thread's track: needs --pair tid" ]
	run --separate-stderr "$USDTCTL" trace --hist arg1 --perfetto "$pf" "$FIXTURES/analysis_target" an:req
	[ "$status" -eq 2 ]
	[ "$stderr" = "usdtctl: trace: --perfetto writes hits, --count's counts or latency's pairs, not aggregates" ]
	run --separate-stderr "$USDTCTL" latency -i 1 --prometheus 127.0.0.1:0 "$FIXTURES/latency_target" lt:start lt:done
	[ "$status" -eq 2 ]
	[ "$stderr" = "usdtctl: latency: --prometheus serves running totals: drop -i (intervals reset the aggregates)" ]
}

@test "--perfetto --count -i: counts as counter tracks, adding up to the hits" {
	need_root
	need_cmd protoc
	local pf=$BATS_TEST_TMPDIR/c.pftrace ev=$BATS_TEST_TMPDIR/ev
	start_bg 60 "$USDTCTL" trace --count -i 0.2 --perfetto "$pf" "$TT" 'trace:tick' 'trace:text'
	TRACE_PID=$BG_PID
	wait_output "$BG_OUT" '^usdtctl: attached' 10
	"$TT" ticks 300
	sleep 0.5
	"$TT" ticks 200
	sleep 0.5
	stop_trace
	"$CHECK_TRACE" "$pf" >"$ev"
	jq -se 'all(.type == "counter")' "$ev"
	[ "$(jq -rs 'map(.counter) | unique | join(" ")' "$ev")" = "trace:text trace:tick" ]
	[ "$(jq -s 'map(select(.counter == "trace:tick") | .value) | add' "$ev")" -eq 500 ]
	[ "$(jq -s 'map(select(.counter == "trace:text") | .value) | add' "$ev")" -eq 0 ]
	# zero at the start, then one value per interval
	[ "$(jq -s 'map(select(.counter == "trace:tick")) | .[0].value' "$ev")" -eq 0 ]
	[ "$(jq -s 'map(select(.counter == "trace:tick")) | length' "$ev")" -ge 5 ]
}

@test "Perfetto writer: nested slices on two threads, every kind of annotation, a counter track" {
	need_cmd protoc
	local pf=$BATS_TEST_TMPDIR/w.pftrace want=$BATS_TEST_TMPDIR/want
	"$FIXTURES/perfetto_writer" "$pf" >"$want"
	[ "$(wc -l <"$want")" -eq 11 ]
	diff "$want" <("$CHECK_TRACE" "$pf" | jq -r '"\(.type) \(if .counter then .counter
		else "\(.process)/\(.thread)" end) \(.depth) \(.text // .name // .value)"')
	# and the checker is no rubber stamp: a cut file fails
	head -c -3 "$pf" >"$pf.cut"
	run "$CHECK_TRACE" "$pf.cut"
	[ "$status" -eq 1 ]
}

@test "--perfetto: a file that cannot be created is one line and exit 1" {
	run --separate-stderr timeout 10 "$USDTCTL" trace --perfetto /nonexistent/t.pftrace "$TT" 'trace:tick'
	[ "$status" -eq 1 ]
	[ "$stderr" = "usdtctl: --perfetto /nonexistent/t.pftrace: No such file or directory" ]
}

@test "docs: the scrape configuration, the systemd unit and a scrape pass promtool's and systemd's checks" {
	need_root
	need_cmd promtool
	need_cmd systemd-analyze
	local unit=$BATS_TEST_TMPDIR/usdtctl-exporter.service
	promtool check config "$SRC_DIR/docs/prometheus-scrape.yml"
	# the unit as shipped, but running this build's usdtctl
	sed "s|/usr/local/sbin/usdtctl|$USDTCTL|" "$SRC_DIR/docs/usdtctl-exporter.service" >"$unit"
	run timeout 30 systemd-analyze verify --man=no "$unit"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# promtool lints the exposition: names, HELP, TYPE, counters ending in _total
	serve "$TT" 'trace:*'
	"$TT" 1 >/dev/null
	scrape >"$BATS_TEST_TMPDIR/body"
	grep -q '^usdt_probe_hits_total{provider="trace",name="tick"} 1$' "$BATS_TEST_TMPDIR/body"
	run promtool check metrics <"$BATS_TEST_TMPDIR/body"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	stop_trace
}
