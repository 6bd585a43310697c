"""Workload (b): Lua 5.4 (sources from `apt-get source lua5.4`) running
bench/src/bench.lua (fib, string building, table sort) in every variant."""
import glob, os
import lib
from lib import log

SRC = os.path.join(lib.BENCH, "src")
W = os.path.join(lib.WORK, "lua")
SCRIPT = os.path.join(SRC, "bench.lua")
BIG = 2 if lib.QUICK else 6  # SCALE of bench.lua
CFLAGS = "-O2 -g"


def build():
    srcs = sorted(glob.glob(os.path.join(lib.WORK, "src", "lua5.4-*/")))
    if not srcs:
        return None
    s, b = srcs[0], {}
    mk = "make -s -j2 -f %s/lua.mk S=%s" % (SRC, s)
    steps = {
        "gcc": "%s CC=gcc CFLAGS='%s'" % (mk, CFLAGS),
        "patch": "%s CC=gcc CFLAGS='%s %s'" % (mk, CFLAGS, lib.INSTR),
        "pg": "%s CC=gcc CFLAGS='%s -pg' LDFLAGS=-pg" % (mk, CFLAGS),
        "finstr": "%s CC=gcc CFLAGS='%s -finstrument-functions' EXTRA=hooks.o && "
                  "gcc -O2 -DBENCH_COUNT_HOOKS -c %s/hooks.c -o hooks_count.o && "
                  "gcc -o lua-count $(ls *.o | grep -v hooks) hooks_count.o -Wl,-E -lm -ldl"
                  % (mk, CFLAGS, SRC),
        "clang": "%s CC=clang CFLAGS='%s'" % (mk, CFLAGS),
        "xray": "%s CC=clang LINK=clang++ CFLAGS='%s %s' LDFLAGS=-fxray-instrument "
                "EXTRA=xray_fdr.o" % (mk, CFLAGS, lib.XRAY),
    }
    for k, cmd in steps.items():
        d = os.path.join(W, k)
        if os.path.exists(os.path.join(d, "lua")) and (k != "finstr" or os.path.exists(
                os.path.join(d, "lua-count"))):
            b[k] = os.path.join(d, "lua")
            continue
        if k in ("clang", "xray") and not lib.have("clang"):
            continue
        os.makedirs(d, exist_ok=True)
        pre = ""
        if k == "finstr":
            pre = "gcc -O2 -c %s/hooks.c -o hooks.o && " % SRC
        if k == "xray":
            pre = "clang++ -O2 -c %s/xray_fdr.cc -o xray_fdr.o && " % SRC
        log("building lua (%s)" % k)
        if lib.sh(pre + cmd, cwd=d):
            b[k] = os.path.join(d, "lua")
    return b


def argv_of(binary, size):
    return [binary, SCRIPT, str(BIG if size == "big" else 0)]


def main():
    lib.build_tools()
    b = build()
    if not b:
        return ("## Lua 5.4\n\n**Not run: no Lua source in bench/work/src "
                "(`apt-get source lua5.4` failed; see setup's message).**", [])
    log("lua builds:", ", ".join(sorted(b)))
    calls = lib.count_calls(b, argv_of)  # finstr's counting build: lua-count
    vs = lib.standard_variants(b, "luaH_getshortstr")

    def run(v, size, out):
        argv, env = argv_of(b[v.build], size), {}
        if v.wrap:
            argv, env = v.wrap(argv, out)
        t, _ = lib.run_timed(argv, env)
        return t

    res = lib.paired(vs, run)
    rows = lib.summarise(vs, res, calls, tol=0.01)
    cl = "; ".join("%s: %s (start-up only: %s)" % (k, v.get("big"), v.get("tiny"))
                   for k, v in sorted(calls.items()))
    md = ["## Lua 5.4", "",
          "Lua from `apt-get source lua5.4` (%s), built with `%s` plus each instrumentation; "
          "`lua bench.lua %d` (fib(20), 3000-piece string building and gsub, two sorts of "
          "3000 numbers, %d times); start-up workload `lua bench.lua 0`. %d paired rounds. "
          "Instrumented calls per build, from the build's own counting hook: %s. "
          "Lua seeds its string hashes from addresses, so counts vary slightly from run to "
          "run: a recorder is checked to 1%%." % (
              os.path.basename(glob.glob(os.path.join(lib.WORK, "src", "lua5.4-*"))[0]),
              CFLAGS, BIG, BIG, lib.ROUNDS, cl), "", lib.table(rows)]
    return "\n".join(md), rows


if __name__ == "__main__":
    print(main()[0])
