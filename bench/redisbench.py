"""Workload (c): Redis (sources from `apt-get source redis`) on 127.0.0.1 on
a free port, driven by redis-benchmark with a fixed number of requests;
the server is shut down at the end of every run."""
import glob, os, re, resource, shutil, socket, subprocess, time
import lib
from lib import log

SRC = os.path.join(lib.BENCH, "src")
W = os.path.join(lib.WORK, "redis")
REQUESTS = 3000 if lib.QUICK else 10000
TESTS = "set,get,incr,lpush,rpop,hset"
MAKE = "make -s -j2 -C src redis-server MALLOC=libc OPTIMIZATION=-O2 DEBUG=-g1"
side = {}  # variant name -> [benchmark wall seconds], for the throughput ratio


def build(only=None):
    srcs = sorted(glob.glob(os.path.join(lib.WORK, "src", "redis-*/")))
    if not srcs:
        return None
    b = {}
    steps = {
        "gcc": "CC=gcc",
        "patch": "CC=gcc REDIS_CFLAGS='%s'" % lib.INSTR,
        "pg": "CC=gcc REDIS_CFLAGS=-pg REDIS_LDFLAGS=-pg",
        "finstr": "CC=gcc REDIS_CFLAGS=-finstrument-functions REDIS_LDFLAGS=@D@/hooks.o",
        "clang": "CC=clang",
        "xray": "CC=clang REDIS_CFLAGS='%s' REDIS_LDFLAGS='-fxray-instrument @D@/xray_fdr.o "
                "-lstdc++'" % lib.XRAY,
    }
    for k, args in steps.items():
        if only and k not in only:
            continue
        d = os.path.join(W, k)
        binary = os.path.join(d, "src", "redis-server")
        if os.path.exists(binary):
            b[k] = binary
            continue
        if k in ("clang", "xray") and not lib.have("clang"):
            continue
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(srcs[0], d, symlinks=True)
        pre = ""
        if k == "finstr":
            pre = "gcc -O2 -c %s/hooks.c -o hooks.o && " % SRC
        if k == "xray":
            pre = "clang++ -O2 -c %s/xray_fdr.cc -o xray_fdr.o && " % SRC
        log("building redis (%s)" % k)
        if lib.sh(pre + "%s %s" % (MAKE, args.replace("@D@", d)), cwd=d, timeout=1200):
            b[k] = binary
    return b


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cli(port, *args, timeout=10):
    return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port)] + list(args),
                          capture_output=True, text=True, timeout=timeout)


def serve(binary, wrap, out, bench, env=None):
    """Start the server (wrapped by a recorder), wait for PING, optionally run
    redis-benchmark, SHUTDOWN. Returns ((wall, cpu), bench wall, server stderr)."""
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no"]
    e = dict(env or {})
    if wrap:
        argv, e2 = wrap(argv, out)
        e.update(e2)
    os.makedirs(lib.TMP, exist_ok=True)
    errf = open(os.path.join(lib.TMP, "redis-stderr"), "w+")
    c0, t0 = lib.cpu_children(), time.perf_counter()
    p = subprocess.Popen(argv, env=lib.env_with(e), stdout=subprocess.DEVNULL, stderr=errf)
    tb = None
    try:
        deadline = time.time() + 30
        while cli(port, "ping").stdout.strip() != "PONG":
            if p.poll() is not None or time.time() > deadline:
                raise RuntimeError("redis did not start")
            time.sleep(0.005)
        if bench:
            b0 = time.perf_counter()
            r = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-n",
                                str(REQUESTS), "-c", "4", "-t", TESTS, "-q"],
                               capture_output=True, text=True, timeout=300)
            tb = time.perf_counter() - b0
            if r.returncode != 0:
                raise RuntimeError("redis-benchmark: " + r.stderr[-300:])
        cli(port, "shutdown", "nosave")
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    t, c = time.perf_counter() - t0, lib.cpu_children() - c0
    errf.seek(0)
    return (t, c), tb, errf.read()


def main():
    if not (lib.have("redis-benchmark") and lib.have("redis-cli")):
        return "## Redis\n\n**Not run: redis-benchmark/redis-cli missing (apt-get install " \
               "redis-tools).**", []
    lib.build_tools()
    b = build()
    if not b:
        return "## Redis\n\n**Not run: no Redis source (`apt-get source redis` failed).**", []
    log("redis builds:", ", ".join(sorted(b)))
    counters = {"patch": {"LD_PRELOAD": "%s %s/dftcount.so" % (lib.LIBSO, lib.WORK)},
                "pg": {"LD_PRELOAD": os.path.join(lib.WORK, "pgcount.so")},
                "xray": {"BENCH_XRAY_COUNT": "1", "XRAY_OPTIONS": "patch_premain=false"}}
    calls = {}
    for k, env in counters.items():
        if k not in b or (k == "patch" and not lib.dft_api()):
            continue
        for size in ("big", "tiny"):
            try:
                _, _, err = serve(b[k], None, None, size == "big", env)
                calls.setdefault(k, {})[size] = lib.parse_count(err)
            except Exception as e:
                log("redis counter %s: %s" % (k, e))
    vs = lib.standard_variants(b, "dictFind")

    def run(v, size, out):
        t, tb, err = serve(b[v.build], v.wrap, out, size == "big")
        if tb:
            side.setdefault(v.name, []).append(tb)
        return t

    res = lib.paired(vs, run)
    # Redis makes fewer calls when it is slower (more requests per event-loop
    # wake-up), so a traced run's count cannot match the counter's run
    # exactly: only a loss above 10% is flagged here.
    rows = lib.summarise(vs, res, calls, tol=0.10)
    # Throughput ratio: benchmark wall time of the baseline over the variant's,
    # in the order the pairs ran (each variant's i-th run against its base's).
    import statistics
    byname = {v.name: v for v in vs}
    for r in rows:
        tv = side.get(r["name"], [])
        base = byname[r["name"]].base
        # the baseline ran once per pair of each variant: take its median
        tb = side.get(base, [])
        if tv and tb:
            r["note"] = (r["note"] + "; " if r["note"] else "") + \
                "throughput %.2f of baseline" % (statistics.median(tb) / statistics.median(tv))
    cl = "; ".join("%s: %s (start + shutdown only: %s)" % (k, v.get("big"), v.get("tiny"))
                   for k, v in sorted(calls.items()))
    md = ["## Redis", "",
          "Redis from `apt-get source redis` (%s, MALLOC=libc, -O2), one server per run on "
          "127.0.0.1 on a free port, `redis-benchmark -n %d -c 4 -t %s` (%d requests), then "
          "SHUTDOWN. The time of a run is from the server's start to its exit (the client "
          "runs on the same 2 cores, so CPU figures include its constant cost); the "
          "start-up workload starts the server, PINGs it and shuts it down. "
          "Calls per build from its counting hook: %s. ns/call uses those counts "
          "(builds without a counter show none); the note gives the throughput ratio "
          "(benchmark wall time, medians). A slower server handles more requests per "
          "event-loop wake-up and so makes fewer calls (2-6%% fewer under the recorders): the "
          "recorders' counts are checked to 10%% only. %d paired rounds." % (
              os.path.basename(glob.glob(os.path.join(lib.WORK, "src", "redis-*"))[0]),
              REQUESTS, TESTS, REQUESTS * len(TESTS.split(",")), cl or "none", lib.ROUNDS),
          "", lib.table(rows)]
    return "\n".join(md), rows


if __name__ == "__main__":
    print(main()[0])
