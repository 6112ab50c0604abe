#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""readme_summary.py [--check] [TOP]: the README's performance table, quoted from the summary
table of docs/benchmarks.md: each target with the first clause of its result (up to the first
'; ' or '. ' outside parentheses and code), so that a figure is written once, by the benchmark
run, and the README follows it. Without --check, rewrites the table between the README's
markers; with --check, exits 1 when the README's table is not what the summary gives."""
import re
import sys

BEGIN = "<!-- performance table: tests/bench/readme_summary.py quotes docs/benchmarks.md -->"
END = "<!-- end of the performance table -->"


def summary_rows(text):
    part = text.split("## Summary against the targets", 1)[1]
    rows = []
    for line in part.splitlines()[1:]:
        if line.startswith("## ") or line.startswith("### "):
            break
        cells = [c.strip() for c in re.findall(r"(?:[^|`]|`[^`]*`)+", line.strip().strip("|"))]
        if len(cells) == 2 and not set(cells[1]) <= set("- ") and cells[0] != "target":
            rows.append(cells)
    return rows


def first_clause(result):
    depth, code = 0, False
    for i, c in enumerate(result):
        if c == "`":
            code = not code
        elif not code and c == "(":
            depth += 1
        elif not code and c == ")":
            depth -= 1
        elif not code and depth == 0 and result[i:i + 2] in ("; ", ". "):
            return result[:i]
    return result


def table(rows):
    out = ["| target | result (the first clause; all of it in docs/benchmarks.md) |",
           "| --- | --- |"]
    out += ["| %s | %s |" % (t, first_clause(r)) for t, r in rows]
    return "\n".join(out)


def main():
    args = sys.argv[1:]
    check = bool(args) and args[0] == "--check"
    top = (args[1:] if check else args) or ["."]
    top = top[0]
    bench = open(top + "/docs/benchmarks.md").read()
    readme_path = top + "/README.md"
    readme = open(readme_path).read()
    rows = summary_rows(bench)
    if not rows:
        sys.exit("readme_summary.py: no summary table in docs/benchmarks.md")
    if BEGIN not in readme or END not in readme:
        sys.exit("readme_summary.py: README.md lacks the markers of the performance table")
    head, rest = readme.split(BEGIN, 1)
    old, tail = rest.split(END, 1)
    want = "\n" + table(rows) + "\n"
    if check:
        if old != want:
            sys.exit("readme_summary.py: README.md's performance table is not docs/benchmarks.md's "
                     "summary; run tests/bench/readme_summary.py")
        return
    open(readme_path, "w").write(head + BEGIN + want + END + tail)


main()
