"""The hot path (issue 10): every tracer as a multiple of the floor measured
in the same run, in ns per call and in callgrind instructions per call, the
trace bytes per call, a filter keeping one function, and the fixed cost of
`dynftrace record`.

The floor is bench/src/floor_stub.S + floor_ring.c on the workload
bench/src/hotpath.c: a -pg -mfentry site calling a stub that saves the six
argument registers and calls a C handler doing rdtsc and a 16-byte store
into a ring (the floor_args_ring of ../shared/anchors, rebuilt here so that
`make bench` needs nothing outside the tree)."""
import os, re, shutil, statistics, subprocess, sys, time
import lib
from lib import log

sys.path.insert(0, os.path.join(lib.ROOT, "tests", "prog"))
import trace_read  # noqa: E402  (the one Python reader of the trace format)

SRC = os.path.join(lib.BENCH, "src")
W = os.path.join(lib.WORK, "hotpath")
BIG = ("22", "100000") if lib.QUICK else ("27", "1000000")
CG_BIG, CG_TINY = ("18", "5000"), ("2", "0")
TRACERS = ("function", "function_graph", "profile")
# issue 10's targets: x floor, instructions per call, trace bytes per call
TARGET_X = {"function": 1.5, "function_graph": 2.5, "profile": 2.5}
TARGET_IR = {"function": 40, "function_graph": 90, "profile": 90}
TARGET_B = {"function": 16, "function_graph": 12}


def build():
    os.makedirs(W, exist_ok=True)
    c = os.path.join(SRC, "hotpath.c")
    steps = [
        "gcc -O2 %s -o base" % c,
        "gcc -O2 %s %s -o inst" % (lib.INSTR, c),
        "gcc -O2 -pg -mfentry -mrecord-mcount -c %s -o floor.o && gcc -c %s/floor_stub.S "
        "-o floor_stub.o && gcc -O2 -c %s/floor_ring.c -o floor_ring.o && "
        "gcc floor.o floor_stub.o floor_ring.o -o floor" % (c, SRC, SRC),
    ]
    return all(lib.sh(s, cwd=W) for s in steps)


def dft_env(tracer, out, extra=None):
    e = {"LD_PRELOAD": lib.LIBSO, "DYNFTRACE_DIR": out, "DYNFTRACE_TRACER": tracer}
    e.update(extra or {})
    return e


def fresh(d):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d, mode=0o700)


def work(binary, args, env=None):
    r = subprocess.run(["nice", os.path.join(W, binary)] + list(args), env=lib.env_with(env),
                       capture_output=True, text=True, timeout=600)
    m = re.search(r"calls=(\d+) work_ns=(\d+)", r.stdout)
    if not m:
        raise RuntimeError("%s: %s" % (binary, r.stdout + r.stderr[-500:]))
    return int(m.group(1)), int(m.group(2))


def committed_bytes(d):
    """Bytes of events the streams committed, read with the tests' decoder
    of include/dynftrace/format.h (chunk headers, rings and format 1)."""
    n = 0
    for f in os.listdir(d):
        if f.endswith(".dat"):
            path = os.path.join(d, f)
            with open(path, "rb") as fh:
                _, runs = trace_read.chunks(path, fh.read())
            n += sum(end - start for start, end, _ in runs)
    return n


def variants():
    """name -> (binary, env maker or None)."""
    v = {"floor": ("floor", None)}
    for t in TRACERS:
        v["-t " + t] = ("inst", (t, {}))
    v["-t function, generic path"] = ("inst", ("function", {"DYNFTRACE_NO_DIRECT": "1"}))
    v["-t function_graph, generic path"] = ("inst", ("function_graph",
                                                     {"DYNFTRACE_NO_DIRECT": "1"}))
    # ns and bytes per call of any function; instructions per call of leaf2
    v["-t function -F leaf2"] = ("inst", ("function", {"DYNFTRACE_FILTER": "leaf2"}))
    return v


def ns_table(vs):
    rounds = max(lib.ROUNDS, 5)
    out = os.path.join(lib.TMP, "hot")
    res = {k: [] for k in ["base"] + list(vs)}
    sizes = {}
    calls = None
    for r in range(rounds):
        names = ["base"] + list(vs)
        if r % 2:
            names.reverse()
        for k in names:
            b, e = ("base", None) if k == "base" else vs[k]
            env = None
            if e:
                fresh(out)
                env = dft_env(e[0], out, e[1])
            calls, ns = work(b, BIG, env)
            res[k].append(ns)
            if e and e[0] != "profile":
                sizes[k] = committed_bytes(out) / calls
    base = statistics.median(res["base"])
    per = {k: (statistics.median(v) - base) / calls for k, v in res.items() if k != "base"}
    return per, base / calls, calls, sizes, rounds


def ir(binary, args, env=None):
    f = os.path.join(lib.TMP, "hot.cg")
    subprocess.run(["nice", "valgrind", "--tool=callgrind", "--callgrind-out-file=" + f,
                    os.path.join(W, binary)] + list(args), env=lib.env_with(env),
                   capture_output=True, timeout=900)
    m = re.search(r"^summary:\s+(\d+)", open(f).read(), re.M) if os.path.exists(f) else None
    if os.path.exists(f):
        os.unlink(f)
    return int(m.group(1)) if m else None


def ir_table(vs):
    out = os.path.join(lib.TMP, "hotcg")
    c1, _ = work("base", CG_BIG)
    c0, _ = work("base", CG_TINY)
    b1, b0 = ir("base", CG_BIG), ir("base", CG_TINY)
    per = {}
    for k, (b, e) in vs.items():
        v = []
        for a in (CG_BIG, CG_TINY):
            env = None
            if e:
                fresh(out)
                env = dft_env(e[0], out, e[1])
            v.append(ir(b, a, env))
        if None not in v and None not in (b1, b0):
            # A filter keeping leaf2: per call of leaf2 (the others are NOPs).
            kept = int(CG_BIG[1]) - int(CG_TINY[1]) if "-F leaf2" in k else c1 - c0
            per[k] = ((v[0] - v[1]) - (b1 - b0)) / kept
    return per


def fixed_cost():
    """Wall ms of `dynftrace record` on a run making 4 calls, over the plain run."""
    out = os.path.join(lib.TMP, "hotfix")
    plain, rec = [], []
    for _ in range(max(lib.ROUNDS, 5) * 2):
        t0 = time.perf_counter()
        subprocess.run([os.path.join(W, "inst"), "1", "0"], capture_output=True)
        plain.append(time.perf_counter() - t0)
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        subprocess.run([lib.DFT, "record", "-t", "function_graph", "-o", out, "--",
                        os.path.join(W, "inst"), "1", "0"], capture_output=True)
        rec.append(time.perf_counter() - t0)
    return (statistics.median(rec) - statistics.median(plain)) * 1000


def main():
    md = ["## Hot path against the floor (issue 10)", ""]
    os.makedirs(lib.TMP, exist_ok=True)
    if not lib.dft_record():
        return "\n".join(md + ["**Not run: the recorder has not landed.**"]), []
    if not build():
        return "\n".join(md + ["**The hot-path workload did not build** (see the log)."]), []
    vs = variants()
    log("hotpath: ns per call")
    per, base_ns, calls, sizes, rounds = ns_table(vs)
    cg = ir_table(vs) if lib.have("valgrind") else {}
    floor_ns, floor_ir = per["floor"], cg.get("floor")
    md += ["`bench/src/hotpath.c %s %s`: %d calls. ns/call = (median work_ns, thread CPU time, of "
           "the variant - median of the uninstrumented build) / calls, %d rounds in alternating order, in "
           "one sitting (uninstrumented: %.2f ns/call); x floor divides by the floor's "
           "ns/call of the same run. Instructions: callgrind, (runs of `%s` - `%s`) over the "
           "same difference of the uninstrumented build, per call. The ns figures come from "
           "a machine other work shares (see the load above); the instruction counts do not "
           "depend on it. The `-F leaf2` row: ns and bytes per call of any function, "
           "instructions per call of leaf2 (the only one patched)." % (BIG[0], BIG[1], calls, rounds, base_ns, " ".join(CG_BIG),
                              " ".join(CG_TINY)), "",
           "| variant | ns/call | x floor | target | instr/call | target | trace B/call | "
           "target |", "|---|---|---|---|---|---|---|---|"]
    rows = []
    for k in vs:
        t = k.split()[1].rstrip(",") if k.startswith("-t") else None
        x = per[k] / floor_ns if floor_ns > 0 else float("nan")
        generic = "generic" in k or "-F" in k
        tx = TARGET_X.get(t) if t and not generic else None
        ti = TARGET_IR.get(t) if t and not generic else None
        tb = TARGET_B.get(t) if t and "-F" not in k else None
        i = cg.get(k)
        md.append("| %s | %.2f | %.2f | %s | %s | %s | %s | %s |" % (
            k, per[k], x, "<= %g" % tx if tx else "", "%.1f" % i if i is not None else "-",
            "<= %g" % ti if ti else "", "%.1f" % sizes[k] if k in sizes else "",
            "<= %g" % tb if tb else ""))
        rows.append({"name": "hotpath " + k, "ns": per[k], "x_floor": x, "ir": i})
    try:
        fc = fixed_cost()
        md += ["", "Fixed cost of `dynftrace record -t function_graph` on `hotpath 1 0` "
               "(a handful of calls), wall, median of %d, over the plain run: **%.1f ms** "
               "(target <= 2 ms)." % (max(lib.ROUNDS, 5) * 2, fc)]
    except Exception as e:
        md += ["", "Fixed cost: failed (%s)" % e]
    return "\n".join(md), rows


if __name__ == "__main__":
    print(main()[0])
