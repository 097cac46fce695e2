#!/usr/bin/env python3
"""The named atomic sites of lfgo, and their check against the docs.

Every atomic access in lib/ and in include/lfgo/ goes through an _at macro of
include/lfgo/atomic.h whose first argument is the site's name, written as a C
identifier (wg_register_cas); its dotted form (wg.register.cas) is what the
docs, this script and -DLFGO_WEAKEN use.  Name components are [a-z0-9]+, so
the two forms map one to one.

  ordering-sites.py list            every site: name, order(s), file:line
  ordering-sites.py names           the dotted names, one per line
  ordering-sites.py check           the site tables of docs/memory-ordering.md
                                    against the code (the ctest ordering_sites)

check fails on: a named site without a row in a site table, a row naming a
site that does not exist, a site name that is not [a-z0-9]+ components, and an
unnamed atomic access (lfgo_atomic_load(...) instead of _at) in a converted
file.  A site table is a table of docs/memory-ordering.md whose header's first
cell is `name`; each row's first cell lists the site names it covers, in
backticks (or `—` for a row that is about no single site).
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.environ.get("LFGO_SITES_DOC") or os.path.join(ROOT, "docs", "memory-ordering.md")

# ---------------------------------------------------------------------------
# NOT YET CONVERTED: files of lib/ or include/lfgo/ allowed to use the
# unnamed macros while their sites are being named (patterns on the path).
# None: every file is converted.  The unnamed macros stay in
# include/lfgo/atomic.h for user code (examples/, bench/, tests/).
NOT_CONVERTED = [
]

# ROWS PENDING: files whose sites are named but whose rows in
# docs/memory-ordering.md are still to be written by their author (the
# batcher's inline policies were being written while the sites were named).
# Their sites may lack a row; rows naming them are still checked.
ROWS_PENDING = [
]
# ---------------------------------------------------------------------------

OPS = "load|store|fetch_add|fetch_sub|fetch_or|fetch_and|xchg|cas_weak|cas_strong|fence"
NAMED = re.compile(r"\blfgo_atomic_(%s)_at\(\s*([A-Za-z0-9_]+)\s*," % OPS)
NAMED_FENCE = re.compile(r"\bLFGO__DQ_FENCE\(\s*([A-Za-z0-9_]+)\s*\)")
UNNAMED = re.compile(r"\blfgo_atomic_(%s)\(" % OPS)
ORDER = re.compile(r"memory_order_(relaxed|consume|acquire|release|acq_rel|seq_cst)|LFGO__[A-Z_]*ORD[A-Z_]*")
COMPONENT = re.compile(r"^[a-z0-9]+$")


def source_files():
    out = []
    for top in ("lib", os.path.join("include", "lfgo")):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    rel = os.path.relpath(os.path.join(d, f), ROOT)
                    if rel != os.path.join("include", "lfgo", "atomic.h"):
                        out.append(rel)
    return sorted(out)


def converted(rel):
    return not any(re.search(p, rel) for p in NOT_CONVERTED)


def strip_comments(text):
    """Blanks out comments, keeping line numbers."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(r"/\*.*?\*/|//[^\n]*", blank, text, flags=re.S)


def scan():
    """Returns (sites, unnamed): sites is a list of dicts, unnamed of (file, line)."""
    sites, unnamed = [], []
    for rel in source_files():
        text = strip_comments(open(os.path.join(ROOT, rel)).read())
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if line.lstrip().startswith("#define"):
                continue
            for m in NAMED.finditer(line):
                # the orders: from the call's text (up to 3 lines on)
                call = line[m.start():] + " " + " ".join(lines[i + 1:i + 3])
                depth, end = 0, len(call)
                for k, c in enumerate(call):
                    if c == "(":
                        depth += 1
                    elif c == ")":
                        depth -= 1
                        if depth == 0:
                            end = k
                            break
                orders = [o.group(0).replace("memory_order_", "") for o in ORDER.finditer(call[:end])]
                sites.append(dict(ident=m.group(2), name=m.group(2).replace("_", "."), op=m.group(1),
                                  orders=orders, file=rel, line=i + 1))
            for m in NAMED_FENCE.finditer(line):
                sites.append(dict(ident=m.group(1), name=m.group(1).replace("_", "."), op="fence",
                                  orders=["seq_cst"], file=rel, line=i + 1))
            if converted(rel):
                for m in UNNAMED.finditer(line):
                    unnamed.append((rel, i + 1))
    return sites, unnamed


def doc_rows():
    """Returns [(line number, [names])] for every row of every site table."""
    rows, in_table = [], False
    for n, line in enumerate(open(DOC).read().split("\n"), 1):
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not in_table:
            if cells[0] == "name":
                in_table = "header"
            continue
        if in_table == "header":  # the |---| line
            in_table = True
            continue
        names = re.findall(r"`([^`]+)`", cells[0])
        if cells[0] in ("—", "-"):
            names = []
        elif not names:
            names = [cells[0] or "(empty)"]
        rows.append((n, names))
    return rows


def cmd_list(sites):
    for s in sites:
        print("%-28s %-10s %-24s %s:%d" % (s["name"], s["op"], "/".join(s["orders"]), s["file"], s["line"]))


def cmd_check(sites, unnamed):
    errors = []
    code = {}
    for s in sites:
        code.setdefault(s["name"], []).append(s)
        if not all(COMPONENT.match(c) for c in s["name"].split(".")):
            errors.append("%s:%d: site name %s: components must be [a-z0-9]+" % (s["file"], s["line"], s["ident"]))
    for rel, line in unnamed:
        errors.append("%s:%d: unnamed atomic access (use lfgo_atomic_*_at(name, ...))" % (rel, line))
    documented = {}
    for n, names in doc_rows():
        for name in names:
            documented.setdefault(name, []).append(n)
            if name not in code:
                errors.append("docs/memory-ordering.md:%d: row names `%s`, which no site in the code has" % (n, name))
    for name, where in sorted(code.items()):
        if name not in documented:
            s = where[0]
            if any(re.search(p, s["file"]) for p in ROWS_PENDING):
                continue
            errors.append("%s:%d: site %s has no row in a site table of docs/memory-ordering.md"
                          % (s["file"], s["line"], name))
        elif len(documented[name]) > 1:
            errors.append("docs/memory-ordering.md:%s: site %s has more than one row"
                          % (",".join(map(str, documented[name])), name))
    for e in errors:
        print(e)
    unconverted = sorted({rel for rel in source_files() if not converted(rel)
                          and UNNAMED.search(strip_comments(open(os.path.join(ROOT, rel)).read()))})
    pending = sorted({s["file"] for s in sites if any(re.search(p, s["file"]) for p in ROWS_PENDING)})
    print("ordering-sites: %d named sites (%d names) in %d files; %d table rows; not yet converted: %s;"
          " rows pending: %s; %s"
          % (len(sites), len(code), len({s["file"] for s in sites}), len(doc_rows()),
             ", ".join(unconverted) or "none", ", ".join(pending) or "none",
             "FAILED (%d errors)" % len(errors) if errors else "ok"))
    return 1 if errors else 0


def main(argv):
    sites, unnamed = scan()
    cmd = argv[1] if len(argv) > 1 else "check"
    if cmd == "list":
        cmd_list(sites)
        return 0
    if cmd == "names":
        for n in sorted({s["name"] for s in sites}):
            print(n)
        return 0
    if cmd == "check":
        return cmd_check(sites, unnamed)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
