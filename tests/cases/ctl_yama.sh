#!/bin/bash
# Yama's ptrace_scope: an attach the kernel would not let the caller make
# is refused with exit status 4 and a message that names the setting and
# the fix, for ctl --attach, record -p and top -p, and leaves the target as
# it was (running, without the runtime, untraced, no trace directory made).
# As nobody, to a process of nobody's that is not its descendant: refused
# at ptrace_scope 1 and 2; at 1, the same attach from the target's parent
# works (so the refusal is Yama's, not the test's). ptrace_scope is put
# back however the case ends; 3 (which cannot be undone) is never set.
# Needs root (to change the setting and run as nobody), setpriv, and a
# kernel with Yama. Native only.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/prog/ctl_lib.sh"
[ -z "$EMULATED" ] || skip "qemu-user cannot ptrace its guest: attach is tested natively only"
yama=/proc/sys/kernel/yama/ptrace_scope
[ -e "$yama" ] || skip "this kernel has no Yama ($yama is absent): the Yama refusal cannot be tested"
[ "$(id -u)" = 0 ] || skip "not root: cannot change $yama or run the target as another user"
[ -w "$yama" ] || skip "$yama is not writable (a container?): the Yama refusal cannot be tested"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
old=$(cat $yama)
[ "$old" != 3 ] || skip "ptrace_scope is 3: no attach is possible until reboot"
pids=()
w=
cleanup() {
	echo "$old" >$yama
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -z "$w" ] || rm -rf "$w"
}
trap cleanup EXIT

IFS='|' read -r v cc flags <<<"$(ENTRY_ONLY=1 OPT_LEVELS=-O2 variants | head -1)"
build_server "$v" "$cc" "$flags"
srv=$T/$v/srv
# nobody runs the server and dynftrace, and writes into $w.
w=$(mktemp -d /tmp/dft-yama.XXXXXX)
chown 65534:65534 "$w"
chmod 755 "$T" "$T/$v"
as_nobody test -x "$DFT" -a -x "$srv" -a -r "$LIBDIR/libdynftrace.so" ||
	skip "nobody cannot run $DFT or read the runtime (a private build directory)"

refuse() { # NAME REGEX CMD...: as nobody, exit status 4 and the message
	local name=$1 re=$2 rc
	shift 2
	as_nobody "$@" >"$T/$name.out" 2>&1
	rc=$?
	[ $rc = 4 ] || { cat "$T/$name.out"; fail "$name: exit status $rc, not 4"; }
	grep -qE -e "^dynftrace: .*$re" "$T/$name.out" || { cat "$T/$name.out"; fail "$name: message"; }
}
untouched() { # PID NAME
	kill -0 "$1" 2>/dev/null || fail "$2: the target died"
	grep -q libdynftrace "/proc/$1/maps" && fail "$2: the runtime was loaded anyway"
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$1/status" || fail "$2: the target is left traced"
	[ -e "$w/$2.trace" ] && fail "$2: record -p left a trace directory"
	return 0
}

# nobody's server, started by us: not a descendant of nobody's dynftrace.
# (setpriv itself, not a function: $! must be the server.)
setpriv --reuid=65534 --regid=65534 --clear-groups "$srv" server /dev/null 1 &
np=$!
pids+=($np)
sleep 0.3
for scope in 1 2; do
	echo $scope >$yama
	who="a parent process \(or root\).*ptrace_scope to 0"
	[ $scope = 2 ] && who="root attach"
	refuse yama$scope-ctl "Yama's ptrace_scope is $scope, which lets only $who" \
		"$DFT" ctl --attach "$np" status
	refuse yama$scope-record "Yama's ptrace_scope is $scope" \
		"$DFT" record -p "$np" -o "$w/yama$scope-record.trace"
	refuse yama$scope-top "Yama's ptrace_scope is $scope" "$DFT" top -p "$np" -n 1
	echo "$old" >$yama
	for c in ctl record top; do untouched $np yama$scope-$c; done
done

# At 1, the target's parent may attach: a shell starts the server, then
# becomes dynftrace.
echo 1 >$yama
as_nobody sh -c '"$1" server /dev/null 1 & echo $! >"$3/pid"; sleep 0.3; exec "$2" ctl --attach $! status' \
	sh "$srv" "$DFT" "$w" >"$T/parent.out" 2>&1
rc=$?
echo "$old" >$yama
[ -s "$w/pid" ] && pids+=($(cat "$w/pid"))
[ $rc = 0 ] && grep -q '^tracer=nop$' "$T/parent.out" ||
	{ cat "$T/parent.out"; fail "the parent's attach at ptrace_scope 1: exit status $rc"; }
"$DFT" ctl "$(cat "$w/pid")" detach || fail "detach after the parent's attach"
pass "Yama's ptrace_scope 1 and 2 refused for ctl --attach, record -p and top -p; a parent may attach at 1"
