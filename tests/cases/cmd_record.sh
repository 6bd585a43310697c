#!/bin/bash
# record + report end to end, in every variant: the call graph of each
# workload mode (recursion, longjmp, a signal handler, dlopen, arguments, a
# crash, a kill) against its expected shape, call counts of threads, fork and
# fork+exec, the profile tracer's counts against the graph's, chrome nesting
# and folded/profile totals.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
cd "$T" || fail "no test dir"

# The call lines of the graph, without the duration and thread columns.
shape() {
	dft report -i "$1" "${@:2}" | grep -v '^#' | sed -e 's/^.*|  //' -e 's/^ *[0-9]*) //'
}
# "hits function" lines of the profile, by name.
counts() {
	dft report -i "$1" --format profile | awk '!/^#/ { print $1, $NF }' | sort -k2
}

expected() {
	case $1 in
	calls) cat <<'EOF' ;;
main() {
  cmd_top() {
    cmd_mid() {
      cmd_leaf();
      cmd_leaf();
    }
  }
  cmd_leaf();
}
EOF
	recurse) cat <<'EOF' ;;
main() {
  cmd_recurse() {
    cmd_recurse() {
      cmd_recurse() {
        cmd_recurse() {
          cmd_recurse() {
            cmd_leaf();
          }
        }
      }
    }
  }
}
EOF
	args) cat <<'EOF' ;;
main() {
  cmd_args(42, -5, 0xbeef, "hello", 2.5); /* = -10 */
  cmd_fret(1.25); /* = 2.5 */
}
EOF
	dlopen) cat <<'EOF' ;;
main() {
  cmd_lib_func() {
    cmd_lib_static();
  }
  cmd_leaf();
}
EOF
	longjmp) cat <<'EOF' ;;
main() {
  cmd_longjmp() {
    cmd_jumper() {
      cmd_jumper() {
        cmd_jumper() {
          cmd_jumper() {
          } /* cmd_jumper: unwound */
        } /* cmd_jumper: unwound */
      } /* cmd_jumper: unwound */
    } /* cmd_jumper: unwound */
    cmd_leaf();
  }
}
EOF
	signal) cat <<'EOF' ;;
main() {
  cmd_signal() {
    cmd_handler() {
      cmd_leaf();
    }
    cmd_leaf();
  }
}
EOF
	segv | kill) cat <<'EOF' ;;
main() {
  cmd_top() {
    cmd_mid() {
      cmd_leaf();
      cmd_leaf();
    }
  }
  cmd_crash() {
    cmd_leaf();
/* trace ends here with 2 calls open: the process crashed or was killed */
EOF
	threads) cat <<'EOF' ;;
6 cmd_leaf
3 cmd_mid
1 cmd_threads
3 cmd_top
1 main
3 thread_fn
EOF
	fork) cat <<'EOF' ;;
3 cmd_leaf
1 cmd_mid
3 cmd_recurse
1 cmd_top
1 main
EOF
	exec) cat <<'EOF' ;;
3 cmd_leaf
1 cmd_mid
5 cmd_recurse
1 cmd_top
2 main
EOF
	esac
}

status_of() {
	case $1 in segv) echo 139 ;; kill) echo 137 ;; *) echo 0 ;; esac
}

args=(-A 'cmd_args@arg1/u,arg2/d,arg3/x,arg4/s,fparg1' -R 'cmd_args@retval/d'
	-A 'cmd_fret@fparg1' -R 'cmd_fret@retval/f')
n=0
for v in $(variants | cut -d'|' -f1); do
	line=$(variants | grep "^$v|")
	IFS='|' read -r name cc flags <<<"$line"
	d=$T/$name
	mkdir -p "$d"
	# -mnop-mcount does not work with -fPIC: the library has real calls.
	build_variant "$d/libcmd_work_lib.so" "$cc" "${flags/-mnop-mcount/} -fPIC -shared" \
		"$TOP/tests/prog/cmd_work_lib.c" 2>/dev/null
	build_variant "$d/cmd_work" "$cc" "$flags" "$TOP/tests/prog/cmd_work.c" -- -ldl -lpthread \
		2>/dev/null
	modes="calls recurse args dlopen longjmp signal segv kill threads fork exec"
	# Plain -pg (AArch64, ARM) calls mcount after the prologue: such
	# sites can be traced but not hooked on return, so no graph.
	case $name in *-pg-*) modes= ;; esac
	for mode in $modes; do
		tr=$d/$mode
		# Without binfmt_misc, the emulator cannot follow an exec.
		[ -n "$RUN" ] && [ $mode = exec ] && continue
		record_to "$tr" "${args[@]}" -- "$d/cmd_work" "$mode" "$d/libcmd_work_lib.so" \
			>/dev/null 2>"$tr.err"
		st=$?
		[ $st = "$(status_of $mode)" ] || fail "$name $mode: exit status $st: $(cat "$tr.err")"
		[ -n "$RUN" ] || grep -q "^dynftrace: [0-9]* events, " "$tr.err" ||
			fail "$name $mode: no summary"
		case $mode in
		threads | fork | exec) counts "$tr" >"$tr.out" ;;
		*) shape "$tr" 2>/dev/null >"$tr.out" ;;
		esac
		# qemu-user does not translate the addresses of process_vm_readv,
		# which the runtime reads strings with: they come out empty.
		expected $mode | if [ -n "$EMULATED" ]; then sed 's/"hello"/""/'; else cat; fi |
			diff -u - "$tr.out" >"$tr.diff" ||
			fail "$name $mode: unexpected trace: $(cat "$tr.diff")"
		dft report -i "$tr" --format chrome >"$tr.json" 2>/dev/null
		check_totals "$tr" 2>/dev/null
		# The profile tracer counts the same calls.
		case $mode in
		segv | kill | longjmp) ;;
		*)
			record_to "$tr.prof" -t profile -- "$d/cmd_work" "$mode" \
				"$d/libcmd_work_lib.so" >/dev/null 2>&1 || fail "$name $mode: profile record"
			counts "$tr.prof" | diff -u <(counts "$tr") - ||
				fail "$name $mode: profile tracer counts differ from the graph's"
			;;
		esac
	done
	[ -z "$modes" ] || check_chrome "$d"/*.json
	# The function tracer: one line per call, callers named.
	record_to "$d/fn" -t function -- "$d/cmd_work" calls >/dev/null 2>&1 ||
		fail "$name: function tracer"
	dft report -i "$d/fn" >"$d/fn.out" || fail "$name: report function trace"
	grep -q ": cmd_mid <-cmd_top$" "$d/fn.out" || fail "$name: function text: $(cat "$d/fn.out")"
	[ "$(grep -c ': cmd_leaf <-cmd_mid$' "$d/fn.out")" = 2 ] || fail "$name: cmd_leaf calls"
	# A caller without a site, static: named from the program's symbols.
	grep -q ": cmd_leaf <-cmd_nosite$" "$d/fn.out" ||
		fail "$name: caller without a site not resolved: $(cat "$d/fn.out")"
	n=$((n + 1))
done
[ $n -gt 0 ] || skip "no compiler variant available"
pass "$n variants"
