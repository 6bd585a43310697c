"""Workload (a): the synthetic call-heavy program (bench/src/synth.c), every
variant, plus callgrind instruction counts for dynftrace's tracers."""
import os, re, subprocess
import lib
from lib import Variant, log

SRC = os.path.join(lib.BENCH, "src")
W = os.path.join(lib.WORK, "synth")
BIG = 500 if lib.QUICK else 2000   # rounds of synth.c: 3974 calls each
TINY = 1
CFLAGS = "-O2 -g -falign-functions=64"
CG_BIG = 20  # rounds of synth under callgrind


def calls_of(rounds):
    return 1 + rounds * (1 + 1973 + 2000)


def build():
    """Returns {build key: binary}, leaving out what cannot be built."""
    os.makedirs(W, exist_ok=True)
    s, b = os.path.join(SRC, "synth.c"), {}
    steps = {
        "gcc": "gcc %s %s -o gcc" % (CFLAGS, s),
        "patch": "gcc %s %s %s -o patch" % (CFLAGS, lib.INSTR, s),
        "pg": "gcc %s -pg %s -o pg" % (CFLAGS, s),
        "finstr": "gcc %s -finstrument-functions -c %s -o finstr.o && "
                  "gcc -O2 -c %s/hooks.c -o hooks.o && gcc -O2 -DBENCH_COUNT_HOOKS -c "
                  "%s/hooks.c -o hooks_count.o && gcc finstr.o hooks.o -o finstr && "
                  "gcc finstr.o hooks_count.o -o finstr-count" % (CFLAGS, s, SRC, SRC),
        "clang": "clang %s %s -o clang" % (CFLAGS, s),
        "xray": "clang %s %s -c %s -o xray.o && clang++ -O2 -c %s/xray_fdr.cc -o xray_fdr.o && "
                "clang++ -fxray-instrument xray.o xray_fdr.o -o xray" % (CFLAGS, lib.XRAY, s, SRC),
    }
    for k, cmd in steps.items():
        if k in ("clang", "xray") and not lib.have("clang"):
            continue
        if lib.sh(cmd, cwd=W):
            b[k] = os.path.join(W, k)
    return b


def counters(b):
    """Each build's own counter must see exactly the calls synth.c prints."""
    c = lib.count_calls(b, lambda binary, size: [binary, str(BIG)], sizes=("big",))
    return ["%s: %s%s" % (k, v["big"], "" if v["big"] == calls_of(BIG) else " (MISMATCH)")
            for k, v in sorted(c.items())]


def callgrind(b):
    """Instructions per call of dynftrace's tracers over the uninstrumented
    build, with the runtime driven as `record` drives it (docs/trace-format.md)."""
    if not (lib.have("valgrind") and lib.dft_record()):
        return None
    big, tiny = CG_BIG, 1
    out = os.path.join(lib.TMP, "cg")

    profiles = {}

    def ir(binary, n, env, keep=None):
        os.makedirs(out, exist_ok=True)
        f = os.path.join(out, "callgrind.out")
        subprocess.run(["valgrind", "--tool=callgrind", "--smc-check=all",
                        "--callgrind-out-file=" + f, binary, str(n)], env=lib.env_with(env),
                       capture_output=True, timeout=600)
        m = re.search(r"^summary:\s+(\d+)", open(f).read(), re.M) if os.path.exists(f) else None
        if keep and m:
            a = subprocess.run(["callgrind_annotate", "--inclusive=no", "--auto=no", f],
                               capture_output=True, text=True).stdout
            top = []
            for line in a.splitlines():
                mm = re.match(r"\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(\S.*:.*)$", line)
                if mm and int(mm.group(1).replace(",", "")) > calls_of(n) // 4:
                    top.append("%8.1f  %s" % (int(mm.group(1).replace(",", "")) / calls_of(n),
                                              re.sub(r"\s*\[.*\]$", "", mm.group(2))[:100]))
            profiles[keep] = top[:12]
        return int(m.group(1)) if m else None

    rows = []
    base = [ir(b["gcc"], n, {}) for n in (big, tiny)]
    states = [("disabled (runtime loaded)", {"LD_PRELOAD": lib.LIBSO})]
    for t in ("function", "function_graph", "profile"):
        states.append(("-t " + t, {"LD_PRELOAD": lib.LIBSO, "DYNFTRACE_DIR": out + "/trace",
                                   "DYNFTRACE_TRACER": t}))
    for name, env in states:
        v = []
        for n in (big, tiny):
            import shutil
            shutil.rmtree(out + "/trace", ignore_errors=True)
            os.makedirs(out + "/trace", mode=0o700)
            v.append(ir(b["patch"], n, env, keep=name if n == big else None))
        if None in v or None in base:
            rows.append((name, None, None))
            continue
        per = ((v[0] - v[1]) - (base[0] - base[1])) / (calls_of(big) - calls_of(tiny))
        rows.append((name, per, v[1] - base[1]))
    return rows, profiles


def main():
    lib.build_tools()
    b = build()
    log("synth builds:", ", ".join(sorted(b)))
    vs = lib.standard_variants(b, "leaf2", BIG * 1000)

    def run(v, size, out):
        argv = [b[v.build], str(BIG if size == "big" else TINY)]
        env = {}
        if v.wrap:
            argv, env = v.wrap(argv, out)
        t, _ = lib.run_timed(argv, env)
        return t

    res = lib.paired(vs, run)
    calls = {k: {"big": calls_of(BIG), "tiny": calls_of(TINY)} for k in b}
    rows = lib.summarise(vs, res, calls)
    md = ["## Synthetic call-heavy workload", "",
          "`bench/src/synth.c` with %d rounds: %d calls (recursive `fib`, `leaf2`, `leaf6`), "
          "start-up workload: %d round (%d calls). Built with `%s`; "
          "%d paired rounds." % (BIG, calls_of(BIG), TINY, calls_of(TINY), CFLAGS, lib.ROUNDS),
          "The uninstrumented gcc build itself takes %s ns per call (CPU time, median over "
          "its paired runs): compare with a quiet machine before reading absolute figures."
          % lib.fmt(next((r.get("base_ns") for r in rows if r.get("base_ns")), None)),
          "", lib.table(rows), "",
          "Counters (exact calls seen by each build's own counting hook, expected %d): %s" % (
              calls_of(BIG), "; ".join(counters(b)))]
    if not lib.dft_api():
        md.append("\n**dynftrace variants not run: the core runtime (ops API) has not landed.**")
    elif not lib.dft_record():
        md.append("\n**dynftrace record variants not run: the recorder/command has not landed.**")
    try:
        cg, profiles = callgrind(b) or (None, {})
    except Exception as e:
        log("callgrind failed: %s" % e)
        cg, profiles = None, {}
    if cg:
        md += ["", "### callgrind instruction counts (dynftrace, synthetic)", "",
               "| state | instructions per call over uninstrumented | start-up instructions |",
               "|---|---|---|"]
        md += ["| %s | %s | %s |" % (n, lib.fmt(p, "%.1f"), lib.fmt(s, "%d")) for n, p, s in cg]
        for name in ("-t function", "-t function_graph", "-t profile"):
            if profiles.get(name):
                md += ["", "Where the instructions go, %s (`synth %d` under callgrind, self "
                       "instructions per call of the program, functions above 1/4 per call):"
                       % (name, CG_BIG), "", "```"] + profiles[name] + ["```"]
    return "\n".join(md), rows
