"""Shared helpers of the benchmark workloads: builds, paired timing, stats,
recorder checks and Markdown. See bench/README.md for the method."""
import os, random, re, resource, shutil, statistics, subprocess, sys, time, glob

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
WORK = os.environ.get("BENCH_WORK", os.path.join(BENCH, "work"))
O = os.environ.get("O") or os.path.join(ROOT, "build", subprocess.run(
    ["gcc", "-dumpmachine"], capture_output=True, text=True).stdout.strip())
DFT = os.path.join(O, "dynftrace")
LIBSO = os.path.join(O, "libdynftrace.so")
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
ROUNDS = int(os.environ.get("BENCH_ROUNDS") or (2 if QUICK else 5))
# Traces go to memory so the disk does not dominate: we measure CPU cost.
TMP = os.environ.get("BENCH_TMP") or ("/dev/shm/dynftrace-bench" if os.path.isdir("/dev/shm")
                                      else os.path.join(WORK, "tmp"))
INSTR = "-fpatchable-function-entry=5"
XRAY = "-fxray-instrument -fxray-instruction-threshold=1"
TIMEOUT = 120


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


def have(tool):
    return shutil.which(tool) is not None


def sh(cmd, cwd=None, env=None, timeout=1800, quiet=True):
    """Run a shell command for a build step; returns True on success."""
    r = subprocess.run(cmd, shell=True, cwd=cwd, env=env, timeout=timeout,
                       stdout=subprocess.PIPE if quiet else None,
                       stderr=subprocess.STDOUT if quiet else None, text=True)
    if r.returncode != 0:
        log("FAILED:", cmd)
        if quiet:
            sys.stderr.write(r.stdout[-3000:])
    return r.returncode == 0


def dft_api():
    """The core runtime (ops API) has landed: libdynftrace.so exports it."""
    if not os.path.exists(LIBSO):
        return False
    out = subprocess.run(["nm", "-D", "--defined-only", LIBSO], capture_output=True,
                         text=True).stdout
    return "dft_register_ops" in out and "dft_unregister_ops" in out


def dft_record():
    """The recorder and the command have landed: a real record works
    (--force: `true` has no call sites, which record refuses otherwise)."""
    if not (os.path.exists(DFT) and dft_api()):
        return False
    os.makedirs(TMP, exist_ok=True)
    d = os.path.join(TMP, "probe")
    shutil.rmtree(d, ignore_errors=True)
    r = subprocess.run([DFT, "record", "--force", "-t", "function", "-o", d, "--", "true"],
                       capture_output=True, text=True, timeout=30)
    ok = r.returncode == 0 and os.path.isdir(d)
    shutil.rmtree(d, ignore_errors=True)
    return ok


def build_tools():
    """The counting helpers of bench/src, built into WORK."""
    src = os.path.join(BENCH, "src")
    os.makedirs(WORK, exist_ok=True)
    sh("gcc -O2 -Wall -I%s/include -o %s/tracecount %s/tracecount.c" % (ROOT, WORK, src))
    sh("gcc -O2 -shared -fPIC -o %s/pgcount.so %s/pgcount.c" % (WORK, src))
    if dft_api():
        sh("gcc -O2 -shared -fPIC -I%s/include -o %s/dftcount.so "
           "%s/dftcount.c -L%s -ldynftrace -Wl,-rpath,%s" % (ROOT, WORK, src, O, O))


def env_with(extra):
    e = dict(os.environ)
    e.update(extra or {})
    return e


def cpu_children():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_timed(argv, env=None, cwd=None, timeout=TIMEOUT):
    """(wall seconds, CPU seconds of the process tree), and its stderr. The
    CPU time (user + sys of the command and every descendant it waited for)
    is what the figures use: on a 2-core machine shared with other work it
    is far less noisy than the wall clock, and a recorder's helper threads
    or processes count in it too."""
    c0, t0 = cpu_children(), time.perf_counter()
    r = subprocess.run(argv, env=env_with(env), cwd=cwd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    t, c = time.perf_counter() - t0, cpu_children() - c0
    if r.returncode != 0:
        raise RuntimeError("exit %d: %s\n%s" % (r.returncode, " ".join(argv), r.stderr[-2000:]))
    return (t, c), r.stderr


def parse_count(stderr):
    m = re.findall(r"bench-count: calls=(\d+)", stderr)
    return int(m[-1]) if m else None


# ---------------------------------------------------------------- recorders
# Each tracer wraps a command: wrap(argv, outdir) -> (argv, env).

def dft_wrap(tracer, filt=None):
    def wrap(argv, out):
        a = [DFT, "record", "-t", tracer, "-o", out]
        if filt:
            a += ["-F", filt]
        return a + ["--"] + argv, {}
    return wrap


def dft_loaded(argv, out):
    """The runtime loaded, no ops: the sites are single NOPs (disabled cost)."""
    return argv, {"LD_PRELOAD": LIBSO}


def uftrace_wrap(extra):
    def wrap(argv, out):
        return ["uftrace", "record", "--no-libcall", "-d", out] + extra + argv, {}
    return wrap


def xray_wrap(argv, out):
    os.makedirs(out, exist_ok=True)
    return argv, {"XRAY_OPTIONS": "patch_premain=false verbosity=0 xray_logfile_base=%s/xray-log."
                  % out, "BENCH_XRAY_FDR":
                  "buffer_size=1048576:buffer_max=1024:func_duration_threshold_us=0"}


def dir_bytes(d, pattern="*"):
    return sum(os.path.getsize(f) for f in glob.glob(os.path.join(d, "**", pattern),
                                                      recursive=True) if os.path.isfile(f))


def check_dft(out, tracer):
    """(calls recorded, trace bytes, note). The count is the sum of HITS in
    dynftrace's own `report --format profile`; bench/src/tracecount counts
    the same from the files (and the bytes the streams really hold): a
    disagreement or lost events are noted, which flags the row."""
    r = subprocess.run([os.path.join(WORK, "tracecount"), out], capture_output=True,
                       text=True)
    f = dict(kv.split("=") for kv in r.stdout.split())
    raw = int(f["hits"] if tracer == "profile" else
              f["funcs"] if tracer == "function" else f["entries"])
    notes = ["lost %s" % f["lost"]] if int(f.get("lost", 0)) else []
    rep = subprocess.run([DFT, "report", "-i", out, "--format", "profile"],
                         capture_output=True, text=True, timeout=600)
    n = 0
    for line in rep.stdout.splitlines():
        m = re.match(r"^\s*(\d+)\s", line)
        if m and not line.startswith("#"):
            n += int(m.group(1))
    if rep.returncode != 0 or n == 0:
        notes.append("report failed (%s); files hold %d" % (rep.stderr.strip()[-120:], raw))
        n = raw
    elif n != raw:
        notes.append("report says %d, files hold %d" % (n, raw))
    return n, int(f["bytes"]), "; ".join(notes)


def check_uftrace(out):
    r = subprocess.run(["uftrace", "report", "-d", out, "--no-pager"], capture_output=True,
                       text=True)
    n = 0
    for line in r.stdout.splitlines():
        m = re.match(r"^\s*[\d.]+\s+\w+\s+[\d.]+\s+\w+\s+(\d+)\s+(.+)$", line)
        if m and not m.group(2).startswith("linux:"):
            n += int(m.group(1))
    return n, dir_bytes(out), ""


def check_xray(out, binary):
    """Counts FDR function-entry records with bench/src/tracecount --xray
    (llvm-xray account is very slow on these logs and miscounts them when
    XRay timestamps come from clock_gettime)."""
    logs = glob.glob(os.path.join(out, "xray-log.*"))
    if not logs:
        return 0, 0, "no log"
    r = subprocess.run([os.path.join(WORK, "tracecount"), "--xray"] + logs,
                       capture_output=True, text=True, timeout=600)
    f = dict(kv.split("=") for kv in r.stdout.split())
    return int(f["entries"]), int(f["bytes"]), ""


# ------------------------------------------------------------------ method
class Variant:
    """name; build key; baseline variant name; wrap(argv,out)->(argv,env);
    check(out, build)->(calls, bytes, note) for recorders; expect: which
    count the recorder should reach ('all', or a number)."""

    def __init__(self, name, build, base, wrap=None, check=None, note="", expect="all"):
        self.name, self.build, self.base = name, build, base
        self.wrap, self.check, self.note, self.expect = wrap, check, note, expect


def paired(variants, run, rounds=ROUNDS, sizes=("big", "tiny")):
    """run(variant, size, out) -> seconds. Each variant run is paired with an
    adjacent run of its baseline; the order within a pair alternates and the
    variants are shuffled each round. Returns {name: [{size: (tv, tb)}]}."""
    os.makedirs(TMP, exist_ok=True)
    res = {v.name: [] for v in variants if v.base}
    rng = random.Random(int(os.environ.get("BENCH_SEED", "1")))
    byname = {v.name: v for v in variants}
    for r in range(rounds):
        order = [v for v in variants if v.base]
        rng.shuffle(order)
        for i, v in enumerate(order):
            pair = {}
            for size in sizes:
                base = byname[v.base]
                seq = [(v, "v"), (base, "b")] if (r + i) % 2 == 0 else [(base, "b"), (v, "v")]
                t = {}
                for var, tag in seq:
                    out = os.path.join(TMP, "out-" + re.sub(r"[^\w.-]+", "_", var.name))
                    shutil.rmtree(out, ignore_errors=True)
                    try:
                        t[tag] = run(var, size, out)
                    except Exception as e:  # a failing variant is reported, not fatal
                        log("%s (%s) failed: %s" % (var.name, size, str(e)[:500]))
                        t[tag] = None
                    if r == 0 and size == sizes[0] and tag == "v" and var.check and t[tag]:
                        try:
                            var.checked = var.check(out, var.build)
                        except Exception as e:
                            var.checked = (0, 0, "check failed: %s" % e)
                    shutil.rmtree(out, ignore_errors=True)
                pair[size] = (t["v"], t["b"])
            res[v.name].append(pair)
        log("round %d/%d done" % (r + 1, rounds))
    return res


def summarise(variants, res, calls, big="big", tiny="tiny", tol=0.0):
    """calls[build][size]: instrumented calls of that build at that size.
    Per pair: overhead per call = ((V - B)big - (V - B)tiny) / (calls big -
    calls tiny), so the fixed start-up cost (V - B)tiny drops out. Figures
    from CPU time (index 1) and wall time (index 0) of each run."""
    rows = []
    for v in variants:
        if not v.base or v.name not in res:
            continue
        pc, pcw, ratio, start, startw, base_pc = [], [], [], [], [], []
        c = calls.get(v.build, {})
        n = (c.get(big) or 0) - (c.get(tiny) or 0)
        for p in res[v.name]:
            tv, tb = p.get(big, (None, None))
            if tv is None or tb is None:
                continue
            ratio.append(tv[1] / tb[1])
            dt = (0.0, 0.0)
            if tiny in p and None not in p[tiny]:
                dt = tuple(p[tiny][0][k] - p[tiny][1][k] for k in (0, 1))
                startw.append(dt[0] * 1e3)
                start.append(dt[1] * 1e3)
            if n > 0:
                base_pc.append(tb[1] / (c.get(big) or n) * 1e9)
                pc.append(((tv[1] - tb[1]) - dt[1]) / n * 1e9)
                pcw.append(((tv[0] - tb[0]) - dt[0]) / n * 1e9)
        row = {"name": v.name, "build": v.build, "note": v.note, "n": len(ratio)}
        if pc:
            row["ns_med"], row["ns_min"] = statistics.median(pc), min(pc)
            row["ns_wall"] = statistics.median(pcw)
            row["base_ns"] = statistics.median(base_pc)
        if ratio:
            row["ratio"] = statistics.median(ratio)
        if start:
            row["start_ms"], row["start_wall"] = statistics.median(start), statistics.median(startw)
        ck = getattr(v, "checked", None)
        if v.check:
            exp = calls.get(v.build, {}).get(big) if v.expect == "all" else v.expect
            if ck is None:
                row["check"] = "not checked (run failed)"
                row["flag"] = True
            else:
                got, nbytes, note = ck
                row["recorded"], row["expected"] = got, exp
                if got and nbytes:
                    row["bpc"] = nbytes / got
                ok = (exp == "any" and got > 0) or (exp not in (None, "any") and
                                                    got >= exp * (1 - tol) and not note)
                row["flag"] = not ok
                row["check"] = ("%d of %s" % (got, exp if exp is not None else "?")) + \
                    ("" if ok else " FLAGGED") + (" (%s)" % note if note else "")
        rows.append(row)
    return rows


def fmt(x, f="%.2f"):
    return "-" if x is None else f % x


def table(rows):
    hdr = ["variant", "build", "ns/call median", "ns/call min", "ns/call median (wall)",
           "slowdown", "start-up ms", "start-up ms (wall)", "trace B/call",
           "calls recorded (check)", "note"]
    out = ["| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
    ranked = sorted([r for r in rows if not r.get("flag")], key=lambda r: r.get("ns_med", 1e18))
    flagged = [r for r in rows if r.get("flag")]
    for r in ranked + flagged:
        out.append("| " + " | ".join([
            r["name"], r["build"], fmt(r.get("ns_med")), fmt(r.get("ns_min")),
            fmt(r.get("ns_wall")), fmt(r.get("ratio"), "%.2fx"), fmt(r.get("start_ms"), "%.1f"),
            fmt(r.get("start_wall"), "%.1f"), fmt(r.get("bpc"), "%.1f"), r.get("check", "-"),
            r.get("note", "")]) + " |")
    return "\n".join(out)


# ------------------------------------------------------- shared variants
GCC_BASE, CLANG_BASE = "gcc -O2 (baseline)", "clang -O2 (baseline)"


def standard_variants(b, one_func, one_expect=None):
    """The variants every workload runs, over builds b = {key: binary}:
    gcc and clang baselines, patch (gcc -fpatchable-function-entry=5), pg,
    finstr (empty hooks) and xray. one_func: the function the filter keeps."""
    api, rec = dft_api(), dft_record()
    v = [Variant(GCC_BASE, "gcc", None), Variant(CLANG_BASE, "clang", None),
         Variant("patchable entry, no runtime (5 x NOP1)", "patch", GCC_BASE)]
    if api:
        v.append(Variant("dynftrace loaded, no ops (disabled)", "patch", GCC_BASE, dft_loaded))
    if rec:
        for t in ("function", "function_graph", "profile"):
            v.append(Variant("dynftrace -t " + t, "patch", GCC_BASE, dft_wrap(t),
                             lambda out, bld, t=t: check_dft(out, t)))
        v.append(Variant("dynftrace -t function_graph -F " + one_func, "patch", GCC_BASE,
                         dft_wrap("function_graph", one_func),
                         lambda out, bld: check_dft(out, "function_graph"),
                         note="one function kept; ns per call of all calls",
                         expect=one_expect if one_expect is not None else "any"))
    if have("uftrace"):
        v.append(Variant("uftrace record (-pg)", "pg", GCC_BASE, uftrace_wrap([]),
                         lambda out, bld: check_uftrace(out)))
        v.append(Variant("uftrace record -P . (patchable)", "patch", GCC_BASE,
                         uftrace_wrap(["-P", "."]), lambda out, bld: check_uftrace(out)))
    if "xray" in b:
        v.append(Variant("XRay FDR", "xray", CLANG_BASE, xray_wrap,
                         lambda out, bld: check_xray(out, b["xray"])))
        v.append(Variant("XRay sleds, unpatched", "xray", CLANG_BASE))
    v.append(Variant("-finstrument-functions, empty hooks", "finstr", GCC_BASE))
    return [x for x in v if x.build in b]


def count_calls(b, argv_of, sizes=("big", "tiny")):
    """{build: {size: calls}} from each build's own counting hook (dynftrace's
    ops API for patch, a counting mcount for pg, counting
    -finstrument-functions hooks, an XRay handler). argv_of(binary, size)."""
    runs = {"pg": (b.get("pg"), {"LD_PRELOAD": os.path.join(WORK, "pgcount.so")}),
            "finstr": (b.get("finstr") and b["finstr"] + "-count", {}),
            "xray": (b.get("xray"), {"BENCH_XRAY_COUNT": "1",
                                     "XRAY_OPTIONS": "patch_premain=false"})}
    if dft_api():
        runs["patch"] = (b.get("patch"), {"LD_PRELOAD": "%s %s/dftcount.so" % (LIBSO, WORK)})
    res = {}
    for k, (binary, env) in runs.items():
        if not binary:
            continue
        for size in sizes:
            try:
                _, err = run_timed(argv_of(binary, size), env)
                res.setdefault(k, {})[size] = parse_count(err)
            except Exception as e:
                log("counter %s %s: %s" % (k, size, str(e)[:300]))
    return res
