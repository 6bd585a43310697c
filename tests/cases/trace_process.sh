#!/bin/bash
# Processes and threads, in every variant: fork (the child has files of its
# own), exec (the new image replaces the old one's files), SIGKILL in the
# middle (what was committed reads back), threads, a thread renaming itself,
# a library dlopened after start-up, and timer signals whose handler is
# traced, landing anywhere.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/trace_lib.sh"

exec_case() {
	local v=$1 prog=$2 out=$T/$1-exec
	record "$out" -- "$prog" exec
	grep -qx 'basic 15' "$out.out" || fail "$v: exec did not run"
	[ "$(ls "$out"/*.dat | wc -l)" = 1 ] || fail "$v: exec: the old image's stream is left"
	tree "$out" >"$out.tree"
	grep -qx '  scen_basic' "$out.tree" || fail "$v: exec: the new image is not traced"
	if grep -q 'scen_exec' "$out.tree"; then
		fail "$v: exec: the old image's calls are mixed in"
	fi
}

build_trace libtrace_dl.so trace_dl.c "-fPIC -shared" >/dev/null
for v in $(ENTRY_ONLY=1 build_trace trace_graph trace_graph.c); do
	prog=$O/tests/trace/$v/trace_graph

	out=$T/$v-fork
	record "$out" -- "$prog" fork
	grep -qx 'fork 4' "$out.out" || fail "$v: fork computed wrong"
	expect_tree "$out" "$v: fork" <<'E'
== thread 0
main
  scen_fork
    leaf
    leaf
== thread 1
mid
  leaf
E
	[ "$(cat "$out"/exit-* | sort | cut -d' ' -f1 | tr '\n' ' ')" = "status=0 status=3 " ] ||
		fail "$v: fork: exit files"
	for f in maps sites clock exit; do
		[ "$(ls "$out" | grep -c "^$f-")" = 2 ] || fail "$v: fork: not two $f files"
	done

	# Without binfmt_misc, the emulator cannot follow an exec.
	[ -n "$RUN" ] || exec_case "$v" "$prog"

	out=$T/$v-crash
	record_run "$out" -- "$prog" crash
	[ $? = 137 ] || fail "$v: crash: not killed"
	[ -z "$(ls "$out" | grep exit-)" ] || fail "$v: crash: an exit file after SIGKILL"
	expect_tree "$out" "$v: crash" <<'E'
== thread 0
main ...
  scen_crash ...
    mid
      leaf
    crash_here ...
      leaf
E
	report_ok "$out"

	out=$T/$v-threads
	record "$out" -- "$prog" threads
	grep -qx 'threads 4.004e+06' "$out.out" || fail "$v: threads computed wrong"
	tree "$out" >"$out.tree"
	[ "$(grep -c '^== thread' "$out.tree")" = 5 ] || fail "$v: threads: not 5 streams"
	[ "$(grep -cx '^worker' "$out.tree")" = 4 ] || fail "$v: threads: not 4 workers"
	[ "$(grep -cx '  mid' "$out.tree")" = 4000 ] || fail "$v: threads: not 4000 mid"
	[ "$(grep -cx '    leaf' "$out.tree")" = 4000 ] || fail "$v: threads: not 4000 leaf"

	out=$T/$v-dlopen
	record "$out" -- "$prog" dlopen "$O/tests/trace/$v/libtrace_dl.so"
	grep -qx 'dlopen 8' "$out.out" || fail "$v: dlopen computed wrong"
	expect_tree "$out" "$v: dlopen" <<'E'
== thread 0
main
  scen_dlopen
    leaf
    dl_twice
      dl_inner
    dl_twice
      dl_inner
E
	grep -q 'libtrace_dl.so' "$out"/maps-* || fail "$v: dlopen: the library is not in maps"

	out=$T/$v-rename
	record "$out" -- "$prog" rename
	expect_tree "$out" "$v: rename" <<'E'
== thread 0
main
  scen_rename
    leaf
    @comm renamed-thread
    leaf
E

	out=$T/$v-sigstress
	record "$out" -- "$prog" sigstress
	tree "$out" >"$out.tree"
	"$PYTHON" - "$out.tree" <<'P' || fail "$v: sigstress"
import sys
stack, n = [], {}
for line in open(sys.argv[1]):
    if line.startswith("=="):
        continue
    name = line.strip()
    depth = (len(line) - len(line.lstrip())) // 2
    del stack[depth:]
    parent = stack[-1] if stack else None
    n[name] = n.get(name, 0) + 1
    ok = {"leaf": ("mid",), "hleaf": ("on_tick",), "mid": ("scen_sigstress", "on_tick")}
    if name in ok and parent not in ok[name]:
        sys.exit("%s under %s" % (name, parent))
    if name.endswith((" !", " ...")):
        sys.exit("unclosed " + name)
    stack.append(name)
assert n["mid"] == 60000 and n["leaf"] == 60000, n
assert n.get("on_tick", 0) == n.get("hleaf", 0), n
P
done
pass "fork, exec, crash, threads, dlopen, signals"
