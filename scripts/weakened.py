#!/usr/bin/env python3
"""Weaken one named atomic site, build its catching test, expect it to fail.

Each row of tests/weakened/sites.txt names a site, the preset it is caught in
(release: a stress test with a checked invariant, or a watchdog on a lost
wake-up; tsan: ThreadSanitizer), the test target and its GoogleTest filter.
For a row, this script configures a build directory with
-DLFGO_WEAKEN=<site>, builds only the target, runs it, and counts the row as
caught when the run fails (a failed assertion, a TSan report, a watchdog
abort, or a time-out).  --control first builds without weakening and runs
every selected row's test, which must pass: a row is shown only when its
test passes with the real order and fails with the weakened one.

  scripts/weakened.py [--ci] [--preset release|tsan] [--control]
                      [--build-base DIR] [--site NAME]... [--list]
                      [--cmake-arg -DCMAKE_C_COMPILER=...]...

  --ci        only the rows marked ci (the ctest weakened_sites_<preset>)
  --preset    only rows of this preset (default: all rows)
  --site      only these sites
  --build-base  where the build directories go (one per preset, reused:
              each row reconfigures it, so only the target is rebuilt)

Exit status: 0 when every selected row is caught (and every control passes).
Heavy: each row rebuilds the library; run it under
flock /tmp/lfgo-heavy.lock on a shared machine.
"""
import argparse
import os
import shlex
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROWS = os.path.join(ROOT, "tests", "weakened", "sites.txt")
PRESETS = {
    "release": ["-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
    "tsan": ["-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DLFGO_SANITIZE=thread", "-DLFGO_TEST_SCALE=20"],
}


def rows():
    out = []
    for n, line in enumerate(open(ROWS), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        f = line.split()
        if len(f) < 5 or f[1] not in PRESETS:
            sys.exit("%s:%d: want: site preset target filter timeout [ci] [xREPEAT]" % (ROWS, n))
        reps = [int(x[1:]) for x in f[5:] if x[:1] == "x" and x[1:].isdigit()]
        out.append(dict(site=f[0], preset=f[1], target=f[2], filter=f[3], timeout=int(f[4]),
                        ci="ci" in f[5:], repeat=reps[0] if reps else 1))
    return out


def run(cmd, timeout=None, env=None, log=None):
    t0 = time.time()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, env=env)
        rc, out = p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        rc, out = "timeout", (e.stdout or b"").decode(errors="replace")
    if log:
        with open(log, "a") as f:
            f.write("$ %s\n%s\n[rc %s, %.0f s]\n" % (" ".join(map(shlex.quote, cmd)), out, rc, time.time() - t0))
    return rc, out, time.time() - t0


EXTRA_CMAKE_ARGS = []


def build(base, preset, weaken, target, log):
    bdir = os.path.join(base, preset)
    cfg = ["cmake", "-S", ROOT, "-B", bdir, "-G", "Ninja", "-DLFGO_WERROR=ON", "-DLFGO_BUILD_EXAMPLES=OFF",
           "-DLFGO_BUILD_SHARED=OFF", "-DLFGO_WEAKEN=" + weaken] + PRESETS[preset] + EXTRA_CMAKE_ARGS
    rc, out, _ = run(cfg, log=log)
    if rc != 0:
        return None, "configure failed:\n" + out[-2000:]
    rc, out, _ = run(["nice", "-n", "10", "ninja", "-C", bdir, "-j2", target], log=log)
    if rc != 0:
        return None, "build failed:\n" + out[-3000:]
    return os.path.join(bdir, "tests", target), ""


def run_test(exe, row, log):
    env = dict(os.environ)
    env["TSAN_OPTIONS"] = "halt_on_error=1 exitcode=66 " + env.get("TSAN_OPTIONS", "")
    cmd = [exe, "--gtest_filter=" + row["filter"]]
    if row["repeat"] > 1:
        cmd.append("--gtest_repeat=%d" % row["repeat"])
    rc, out, secs = run(cmd, timeout=row["timeout"], env=env, log=log)
    if rc == 0:
        return "pass", secs
    if rc == "timeout":
        return "fail (time-out)", secs
    if "ThreadSanitizer" in out:
        return "fail (TSan: %s)" % ("data race" if "data race" in out else "report"), secs
    if "watchdog" in out.lower():
        return "fail (watchdog)", secs
    if "Failure" in out or "FAILED" in out:
        return "fail (assertion)", secs
    return "fail (exit %s)" % rc, secs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ci", action="store_true")
    ap.add_argument("--preset", choices=sorted(PRESETS))
    ap.add_argument("--site", action="append")
    ap.add_argument("--control", action="store_true")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--build-base", default=os.path.join(ROOT, "build", "weakened"))
    ap.add_argument("--cmake-arg", action="append", default=[], help="passed to every configure (compilers)")
    a = ap.parse_args()
    EXTRA_CMAKE_ARGS.extend(a.cmake_arg)
    sel = [r for r in rows() if (not a.ci or r["ci"]) and (not a.preset or r["preset"] == a.preset)
           and (not a.site or r["site"] in a.site)]
    if a.list or not sel:
        for r in sel:
            print("%-22s %-8s %-16s %s%s" % (r["site"], r["preset"], r["target"], r["filter"], " ci" if r["ci"] else ""))
        return 0 if sel else 2
    # Fewest rebuilds: a site in a .c file is weakened in that file only, a
    # site in a header everywhere; so per preset, the .c rows first.
    listing = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "ordering-sites.py"), "list"],
                             stdout=subprocess.PIPE, check=True).stdout.decode()
    in_header = {l.split()[0] for l in listing.splitlines() if l.split()[-1].split(":")[0].endswith(".h")}
    sel.sort(key=lambda r: (r["preset"], r["site"] in in_header, r["target"]))
    os.makedirs(a.build_base, exist_ok=True)
    log = os.path.join(a.build_base, "weakened.log")
    bad = 0
    if a.control:
        for preset in sorted({r["preset"] for r in sel}):
            done = set()
            for r in [r for r in sel if r["preset"] == preset]:
                if (r["target"], r["filter"]) in done:
                    continue
                done.add((r["target"], r["filter"]))
                exe, err = build(a.build_base, preset, "", r["target"], log)
                res, secs = run_test(exe, r, log) if exe else ("error: " + err, 0)
                ok = res == "pass"
                bad += not ok
                print("control  %-8s %-16s %-42s %-22s %5.0f s  %s" % (preset, r["target"], r["filter"], res, secs,
                                                                       "ok" if ok else "UNEXPECTED"), flush=True)
    for r in sel:
        t0 = time.time()
        exe, err = build(a.build_base, r["preset"], r["site"], r["target"], log)
        res, secs = run_test(exe, r, log) if exe else ("error: " + err, 0)
        ok = res.startswith("fail")
        bad += not ok
        print("weakened %-22s %-8s %-16s %-28s %5.0f s (build+run %.0f s)  %s"
              % (r["site"], r["preset"], r["target"], res, secs, time.time() - t0, "caught" if ok else "NOT CAUGHT"),
              flush=True)
    print("weakened.py: %d rows, %d unexpected (log: %s)" % (len(sel), bad, log))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
