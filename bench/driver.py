"""Runs the workloads and assembles the report (see bench/README.md)."""
import datetime, os, platform, re, shutil, socket, subprocess, sys, time
import lib

PARTS = os.environ.get("BENCH_ONLY", "hotpath core synth lua redis").split()


def out(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except Exception:
        return ""


def machine():
    lscpu = out("lscpu")
    model = re.search(r"Model name:\s*(.*)", lscpu)
    flags = re.search(r"Flags:\s*(.*)", lscpu)
    flags = flags.group(1).split() if flags else []
    xray_clock = ("TSC with rdtscp" if "rdtscp" in flags else
                  "**no rdtscp on this CPU: XRay falls back to clock_gettime() for its "
                  "timestamps** (its log says \"Missing rdtscp support\")")
    dpkg = lambda p: out("dpkg-query -W -f='${Version}' %s 2>/dev/null" % p) or "not installed"
    rows = [
        ("CPU", "%s, %s cores (nproc %s)" % (model.group(1) if model else "?",
                                             out("lscpu -p=core | grep -v '^#' | sort -u | wc -l"),
                                             os.cpu_count())),
        ("TSC", "constant_tsc %s, tsc_known_freq %s" % ("constant_tsc" in flags,
                                                        "tsc_known_freq" in flags)),
        ("kernel", platform.release()),
        ("load average at start", out("cat /proc/loadavg")),
        ("gcc", out("gcc --version | head -1")),
        ("clang", out("clang --version | head -1") or "not installed"),
        ("dynftrace", "%s (git %s)" % (out("grep '^VERSION' Makefile | sed 's/.*= *//'"),
                                       out("git rev-parse --short HEAD"))),
        ("uftrace", out("uftrace --version | head -1") or "not installed"),
        ("LLVM XRay", "clang %s, compiler-rt %s; %s" % (
            out("clang --version | head -1 | grep -o '[0-9][0-9.]*' | head -1"),
            dpkg("libclang-rt-14-dev"), xray_clock)),
        ("valgrind", out("valgrind --version") or "not installed"),
        ("redis-benchmark", out("redis-benchmark --version") or dpkg("redis-tools")),
        ("perf", "instructions counter %s" % (
            "available" if "not supported" not in out("perf stat -e instructions true 2>&1")
            and lib.have("perf") else "not supported here (callgrind used instead)")),
    ]
    return "\n".join(["| | |", "|---|---|"] + ["| %s | %s |" % r for r in rows])


def main():
    t0 = time.time()
    now = datetime.datetime.utcnow()
    host = socket.gethostname()
    md = ["# dynftrace benchmarks, %s UTC, %s" % (now.strftime("%Y-%m-%d %H:%M"), host), "",
          "Produced by `make bench` (bench/run.sh%s). How to read it: bench/README.md." % (
              ", BENCH_QUICK=1" if lib.QUICK else ""),
          "All ns/call figures are overheads per instrumented call over the uninstrumented "
          "build of the same compiler, from CPU time (user + sys of the whole process "
          "tree, paired runs); the wall-clock figure is beside it.", "", machine(), ""]
    status = ("dynftrace: core runtime %s, recorder/command %s." % (
        "present" if lib.dft_api() else "NOT LANDED (variants skipped)",
        "present" if lib.dft_record() else "NOT LANDED (record variants skipped)"))
    md += [status, ""]
    mods = {"hotpath": "hotpath", "core": "core", "synth": "synth", "lua": "lua", "redis": "redisbench"}
    os.makedirs(os.path.join(lib.BENCH, "results"), exist_ok=True)
    path = os.path.join(lib.BENCH, "results", "%s-%s%s.md" % (
        now.strftime("%Y%m%d-%H%M"), host, "-quick" if lib.QUICK else ""))
    for part in PARTS:
        if part not in mods:
            continue
        lib.log("=== %s" % part)
        t = time.time()
        try:
            mod = __import__(mods[part])
            text, _ = mod.main()
        except Exception as e:
            import traceback
            traceback.print_exc()
            text = "## %s\n\n**Failed: %s**" % (part, e)
        md += [text, "", "_(%s: %.0f s)_" % (part, time.time() - t), ""]
        with open(path, "w") as f:  # as each part ends: a later failure loses nothing
            f.write("\n".join(md) + "\n")
    md.append("Total time: %.0f s." % (time.time() - t0))
    report = "\n".join(md) + "\n"
    with open(path, "w") as f:
        f.write(report)
    print(report)
    lib.log("report written to %s" % path)
    shutil.rmtree(lib.TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
