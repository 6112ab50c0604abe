#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""check_trace.py FILE: decodes a Perfetto trace written by usdtctl with protoc against
perfetto_subset.proto, checks what trace_processor and the UI rely on, and prints one JSON line
per event: {"type", "ts", "pid", "tid", "process", "thread", "counter", "name", "category",
"args", "depth", "text"}, "text" being the event in usdtctl trace's text notation
(provider:name "string" 12 0x1f, "?" for an argument without annotation).

Checked: every packet is on one trusted sequence (not 0 or 1); the first is a ClockSnapshot that
makes CLOCK_MONOTONIC the trace clock; every event is timestamped on CLOCK_MONOTONIC (clock 3);
each track is described once, before its first event, a thread's process before the thread;
counter values only on counter tracks, slices and instants only on the others; timestamps do not
go back on a track; slices end on the track they began on, innermost first, and none is left
open. Exit status 1, with the reason on stderr, when any check fails."""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = re.compile(r'\s*(?:(\})|([A-Za-z_0-9]+)\s*(?:(\{)|:\s*("(?:[^"\\]|\\.)*"|\S+)))')


def fail(msg):
    print("check_trace.py: " + msg, file=sys.stderr)
    sys.exit(1)


def unescape(s):
    """A protoc text-format string literal (C escapes, octal bytes) as text."""
    out, i, body = bytearray(), 0, s[1:-1]
    simple = {"n": 10, "r": 13, "t": 9, '"': 34, "'": 39, "\\": 92}
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode()
            i += 1
        elif body[i + 1] in simple:
            out.append(simple[body[i + 1]])
            i += 2
        elif body[i + 1] == "x":
            m = re.match(r"[0-9a-fA-F]{1,2}", body[i + 2:])
            out.append(int(m.group(0), 16))
            i += 2 + len(m.group(0))
        else:
            m = re.match(r"[0-7]{1,3}", body[i + 1:])
            out.append(int(m.group(0), 8))
            i += 1 + len(m.group(0))
    return out.decode("utf-8")


def parse(text):
    """Text format into nested dicts of lists (every field as a list)."""
    root, stack, pos = {}, [], 0
    cur = root
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            if text[pos:].strip():
                fail("cannot parse protoc output at: " + text[pos:pos + 60])
            break
        pos = m.end()
        close, key, opening, value = m.groups()
        if close:
            cur = stack.pop()
            continue
        if key.isdigit():
            fail("field %s is not in perfetto_subset.proto: usdtctl wrote it, or it is garbage"
                 % key)
        if opening:
            child = {}
            cur.setdefault(key, []).append(child)
            stack.append(cur)
            cur = child
        else:
            if value.startswith('"'):
                value = unescape(value)
            elif re.fullmatch(r"-?\d+", value):
                value = int(value)
            cur.setdefault(key, []).append(value)
    if stack:
        fail("unbalanced protoc output")
    return root


def one(msg, key, default=None):
    v = msg.get(key)
    return v[0] if v else default


def quote(s):
    out = ""
    for ch in s:
        if ch in '"\\':
            out += "\\" + ch
        elif ch == "\n":
            out += "\\n"
        elif ch == "\t":
            out += "\\t"
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out += "\\x%02x" % ord(ch)
        else:
            out += ch
    return '"' + out + '"'


def main():
    with open(sys.argv[1], "rb") as f:
        decoded = subprocess.run(
            ["protoc", "--decode=perfetto.protos.Trace", "-I", HERE,
             os.path.join(HERE, "perfetto_subset.proto")],
            stdin=f, capture_output=True, text=True)
    if decoded.returncode != 0 or decoded.stderr:
        fail("protoc --decode failed: " + decoded.stderr.strip())
    packets = parse(decoded.stdout).get("packet", [])
    if not packets:
        fail("no packets")
    seqs = {one(p, "trusted_packet_sequence_id") for p in packets}
    if len(seqs) != 1 or None in seqs or seqs & {0, 1}:
        fail("packets not all on one trusted sequence (other than 0 and 1): %s" % seqs)
    first = packets[0]
    snap = one(first, "clock_snapshot")
    if (not snap or one(snap, "primary_trace_clock") != "BUILTIN_CLOCK_MONOTONIC" or
            3 not in [one(c, "clock_id") for c in snap.get("clocks", [])] or
            one(first, "sequence_flags") != 1):
        fail("the first packet is not a ClockSnapshot making MONOTONIC the trace clock")
    tracks, stacks, last_ts = {}, {}, {}
    for p in packets[1:]:
        desc, ev = one(p, "track_descriptor"), one(p, "track_event")
        if desc:
            uuid = one(desc, "uuid")
            if not uuid or uuid in tracks:
                fail("track %s described twice, or without a uuid" % uuid)
            parent = one(desc, "parent_uuid")
            if parent is not None and parent not in tracks:
                fail("track %s described before its parent %s" % (uuid, parent))
            proc, thread, counter = one(desc, "process"), one(desc, "thread"), one(desc, "counter")
            t = {"counter": counter is not None}
            if proc:
                t.update(pid=one(proc, "pid"), process=one(proc, "process_name"))
            if thread:
                t.update(pid=one(thread, "pid"), tid=one(thread, "tid"),
                         thread=one(thread, "thread_name"))
                pt = tracks.get(parent, {})
                if pt.get("pid") != t["pid"]:
                    fail("thread track %s: its parent is not its process's track" % uuid)
                t["process"] = pt.get("process")
            if counter is not None:
                t["name"] = one(desc, "name")
            tracks[uuid] = t
            continue
        if not ev:
            fail("a packet that is neither a track descriptor nor an event")
        ts, uuid, typ = one(p, "timestamp"), one(ev, "track_uuid"), one(ev, "type")
        if ts is None or one(p, "timestamp_clock_id") != 3:
            fail("an event without a CLOCK_MONOTONIC (3) timestamp")
        if uuid not in tracks:
            fail("an event on track %s before its descriptor" % uuid)
        t = tracks[uuid]
        if ts < last_ts.get(uuid, 0):
            fail("time goes back on track %s" % uuid)
        last_ts[uuid] = ts
        if (typ == "TYPE_COUNTER") != t["counter"]:
            fail("a %s event on a %scounter track" % (typ, "" if t["counter"] else "non-"))
        stack = stacks.setdefault(uuid, [])
        out = {"type": typ[5:].lower(), "ts": ts, "pid": t.get("pid"), "tid": t.get("tid"),
               "process": t.get("process"), "thread": t.get("thread"),
               "counter": t.get("name"), "depth": len(stack)}
        if typ == "TYPE_COUNTER":
            out["value"] = one(ev, "counter_value")
        elif typ == "TYPE_SLICE_END":
            if not stack:
                fail("a slice ends on track %s where none is open" % uuid)
            out["name"] = stack.pop()
            out["depth"] = len(stack)
        elif typ in ("TYPE_INSTANT", "TYPE_SLICE_BEGIN"):
            name = one(ev, "name")
            if not name:
                fail("an event without a name")
            args, words = {}, {}
            for a in ev.get("debug_annotations", []):
                key = one(a, "name")
                if "string_value" in a:
                    v, w = one(a, "string_value"), quote(one(a, "string_value"))
                elif "pointer_value" in a:
                    v = one(a, "pointer_value")
                    w = hex(v)
                else:
                    v = one(a, "int_value", one(a, "uint_value"))
                    w = str(v)
                args[key], words[key] = v, w
            n = max([int(k[3:]) + 1 for k in words if re.fullmatch(r"arg\d+", k)] or [0])
            # a string cut at --strlen has argN_truncated beside it: "xxx"... as in text
            for k in list(words):
                if re.fullmatch(r"arg\d+", k) and args.get(k + "_truncated") == 1:
                    words[k] += "..."
            out.update(name=name, category=one(ev, "categories"), args=args,
                       text=" ".join([name] + [words.get("arg%d" % i, "?") for i in range(n)]))
            if typ == "TYPE_SLICE_BEGIN":
                stack.append(name)
        else:
            fail("an event of type %s" % typ)
        print(json.dumps(out, sort_keys=True, ensure_ascii=False))
    open_ = {u: s for u, s in stacks.items() if s}
    if open_:
        fail("slices left open: %s" % open_)


main()
