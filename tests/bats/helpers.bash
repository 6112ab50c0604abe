# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Shared helpers for the usdtctl bats tests: `load helpers` in each .bats file.
#
# USDTCTL   the binary under test (default: build/cli/usdtctl of this checkout)
# FIXTURES  the built test fixtures (default: build/tests/fixtures)

SRC_DIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
USDTCTL=${USDTCTL:-$SRC_DIR/build/cli/usdtctl}
FIXTURES=${FIXTURES:-$SRC_DIR/build/tests/fixtures}
# the interpreter with SDT notes, and one for helper scripts (python3 on PATH may be a shim)
PYTHON_SDT=/usr/bin/python3.11
PY=/usr/bin/python3
LIBDIR=/usr/lib/x86_64-linux-gnu

BG_PIDS=()

# have_usdtctl: in setup, a clear failure when the binary under test is not built
have_usdtctl() {
	[ -x "$USDTCTL" ] || { echo "no usdtctl at $USDTCTL" >&2; return 1; }
}

# usdtctl_setup: have_usdtctl, and the test's files: $OUT and $ERR for usdtctl's stdout and
# stderr, $FIRES for a fixture's record of what it fired
usdtctl_setup() {
	have_usdtctl || return
	OUT=$BATS_TEST_TMPDIR/out ERR=$BATS_TEST_TMPDIR/err FIRES=$BATS_TEST_TMPDIR/fires
}

# usdtctl_out SECONDS ARGS...: `usdtctl ARGS` under a timeout, stdout in $OUT and stderr in
# $ERR, shown when it fails
usdtctl_out() {
	local secs=$1
	shift
	timeout "$secs" "$USDTCTL" "$@" >"$OUT" 2>"$ERR" || {
		cat "$ERR" >&2
		return 1
	}
}

# the trace fixture, and the type lists that make its strings print as strings
TT=$FIXTURES/trace_target
STR_TYPES=('trace:text(str,int)' 'trace:long(str)' 'trace:exact(str)' 'trace:null(str,int)'
	'trace:counted(strn,int)')

# need WHAT: the test cannot run here: skipped, or under CI a failure (CI must not skip)
need() {
	[ -z "${CI:-}" ] || { echo "$BATS_TEST_FILENAME: needs $1, and CI is set" >&2; return 1; }
	skip "needs $1"
}

need_root() {
	[ "$(id -u)" -eq 0 ] || need root
}

# need_cmd CMD...: the tools a test runs (scripts/deps installs them)
need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || need "$c" || return
	done
}

# bound_bg PID SECONDS: PID, started in the background, is killed after SECONDS at the latest
# (and in teardown by stop_bg)
bound_bg() {
	(sleep "$2" && kill -KILL "$1") >/dev/null 2>&1 3>&- &
	BG_PIDS+=("$1" "$!")
}

# start_bg SECONDS CMD [ARGS...]: runs CMD in the background with its output in
# $BATS_TEST_TMPDIR/bg.N.out, killed after SECONDS at the latest and in teardown by stop_bg.
# Its stdin is a FIFO that stays open (a line written to $BG_IN reaches it), so programs that
# read stdin wait instead of seeing end of file.
# Sets BG_PID (the command itself, not a wrapper: tests pass it to -p), BG_OUT and BG_IN.
start_bg() {
	local secs=$1 n=${#BG_PIDS[@]}
	shift
	BG_OUT=$BATS_TEST_TMPDIR/bg.$n.out
	BG_IN=$BATS_TEST_TMPDIR/bg.$n.in
	mkfifo "$BG_IN"
	# read-write: opening does not block, and the command never sees end of file;
	# fd 3 closed: bats waits for whatever holds it
	"$@" <>"$BG_IN" >"$BG_OUT" 2>&1 3>&- &
	BG_PID=$!
	bound_bg "$BG_PID" "$secs"
}

# wait_output FILE REGEX SECONDS: waits until FILE has a line matching REGEX.
wait_output() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$2' in $1:" >&2
	cat "$1" >&2
	return 1
}

# stop_bg: kills what start_bg started (the command and its watchdog) and reaps it.
stop_bg() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	BG_PIDS=()
}

teardown() {
	stop_bg
}

# usdtctl_bg SECONDS OUT ERR ARGS...: usdtctl ARGS in the background, stdout in OUT and stderr
# in ERR, killed after SECONDS at the latest (and by stop_bg); returns once it has attached.
# Sets USDTCTL_PID; usdtctl_stop ends it as Ctrl-C does and waits for it.
usdtctl_bg() {
	local secs=$1 out=$2 err=$3
	shift 3
	# emptied now: the background redirection truncates it later, and wait_output must not
	# take an earlier run's line in it for this one's
	: >"$err"
	"$USDTCTL" "$@" >"$out" 2>"$err" 3>&- &
	USDTCTL_PID=$!
	bound_bg "$USDTCTL_PID" "$secs"
	wait_output "$err" '^usdtctl: attached ' 20
}

usdtctl_stop() {
	kill -INT "$USDTCTL_PID"
	wait "$USDTCTL_PID"
}

# pg_start: a PostgreSQL 15 server of its own (initdb in a new $PGDIR), listening on
# 127.0.0.1:$PGPORT and a socket in $PGDIR; pg_stop (call it in teardown) stops it and removes
# $PGDIR. PG_BIN has its programs; pg_query SQL runs one query with psql.
PG_BIN=/usr/lib/postgresql/15/bin
PGDIR=
pg_start() {
	[ -x "$PG_BIN/postgres" ] || need "PostgreSQL 15" || return
	PGPORT=$((55000 + ($$ + ${BATS_TEST_NUMBER:-0}) % 1000))
	PGDIR=$(mktemp -d /tmp/usdtctl-pg.XXXXXX)
	chown postgres "$PGDIR"
	timeout 120 runuser -u postgres -- "$PG_BIN/initdb" -D "$PGDIR/data" -A trust -U postgres \
		--no-sync >"$PGDIR/initdb.log" 2>&1
	timeout 60 runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDIR/data" -w -l "$PGDIR/log" \
		-o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR" start >/dev/null
}

pg_stop() {
	[ -n "$PGDIR" ] || return 0
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop \
		>/dev/null 2>&1 || true
	rm -rf "$PGDIR"
	PGDIR=
}

pg_query() {
	timeout 30 runuser -u postgres -- "$PG_BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres \
		-d postgres -Atq -c "$1" >/dev/null
}

# A pid that no process has.
free_pid() {
	local pid max
	max=$(cat /proc/sys/kernel/pid_max)
	for ((pid = max - 1; pid > 1; pid--)); do
		[ -e "/proc/$pid" ] || {
			echo "$pid"
			return
		}
	done
}

# readelf_sites FILE: the file's SDT sites as readelf -n and -l see them, one JSON object per
# site, grouped as usdtctl groups them (probes in order of first appearance, sites in note order):
# {"provider","name","address","file_offset","semaphore","semaphore_offset","args"}.
readelf_sites() {
	"$PY" - "$1" <<'EOF'
import json, re, subprocess, sys

path = sys.argv[1]
notes = subprocess.run(["readelf", "-n", "--wide", path], capture_output=True, text=True,
		       check=True).stdout
segs = []
for line in subprocess.run(["readelf", "-l", "--wide", path], capture_output=True, text=True,
			   check=True).stdout.splitlines():
	f = line.split()
	if f and f[0] == "LOAD":
		off, vaddr, memsz = int(f[1], 16), int(f[2], 16), int(f[5], 16)
		segs.append((vaddr, memsz, off, "E" in "".join(f[6:-1])))

def file_offset(addr, exec_):
	for vaddr, memsz, off, x in segs:
		if x == exec_ and vaddr <= addr < vaddr + memsz:
			return hex(addr - vaddr + off)
	return None

sites, cur = [], None
for line in notes.splitlines():
	m = re.search(r"Provider: (.*)$", line)
	if m:
		cur = {"provider": m.group(1)}
		continue
	m = re.match(r"\s+Name: (.*)$", line)
	if m and cur is not None:
		cur["name"] = m.group(1)
		continue
	m = re.match(r"\s+Location: (0x[0-9a-f]+), Base: (0x[0-9a-f]+), Semaphore: (0x[0-9a-f]+)", line)
	if m and cur is not None:
		addr, sema = int(m.group(1), 16), int(m.group(3), 16)
		cur["address"] = hex(addr)
		cur["file_offset"] = file_offset(addr, True)
		cur["semaphore"] = hex(sema) if sema else None
		cur["semaphore_offset"] = file_offset(sema, False) if sema else None
		continue
	m = re.match(r"\s+Arguments: ?(.*)$", line)
	if m and cur is not None:
		cur["args"] = m.group(1)
		sites.append(cur)
		cur = None

order = {}
for s in sites:
	order.setdefault((s["provider"], s["name"]), len(order))
for s in sorted(sites, key=lambda s: order[(s["provider"], s["name"])]):  # stable
	print(json.dumps(s, sort_keys=True, separators=(",", ":")))
EOF
}

# readelf_list FILE [PATTERN]: what `usdtctl list FILE [PATTERN]` prints, from readelf_sites, with
# runs of spaces squeezed to one (compare with `squeeze`): one line a probe, in the order of first
# appearance; PATTERN a glob over provider:name, a provider alone standing for provider:*.
readelf_list() {
	readelf_sites "$1" | "$PY" -c '
import fnmatch, json, sys
path, pat = sys.argv[1], sys.argv[2]
if ":" not in pat:
	pat += ":*"
probes = {}
for line in sys.stdin:
	s = json.loads(line)
	probes.setdefault(s["provider"] + ":" + s["name"], []).append(s)
for key, sites in probes.items():
	if not fnmatch.fnmatchcase(key, pat):
		continue
	n = [len(s["args"].split()) for s in sites]
	args = str(min(n)) if min(n) == max(n) else "%d-%d" % (min(n), max(n))
	sema = "semaphore" if any(s["semaphore"] for s in sites) else "-"
	print(path, key, "sites=%d" % len(sites), sema, "args=" + args)
' "$1" "${2:-*}"
}

# squeeze: stdin with runs of spaces squeezed to one (the padding of list's columns)
squeeze() {
	tr -s ' '
}

# usdtctl_sites FILE ARGS...: `usdtctl list --json FILE ARGS` flattened like readelf_sites, FILE's
# own probes only (not those of the libraries it loads, listed after them).
usdtctl_sites() {
	local json
	json=$("$USDTCTL" list --json "$@") || return
	jq -c --arg f "$1" 'select(.path == $f) | . as $p | .sites[] |
		{provider: $p.provider, name: $p.name, address, file_offset, semaphore,
		 semaphore_offset, args}' <<<"$json" | jq -cS .
}
