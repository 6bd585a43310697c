#!/bin/bash
# A real workload: Lua 5.4 from Debian's source package, built with call
# sites, runs a script that raises and catches errors (Lua's C core throws
# with longjmp) under `record -t function_graph`. Report must run clean,
# and the call counts of known functions must agree between the graph, the
# profile tracer and a second run.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
cd "$T" || fail "no test dir"

loud_skip() {
	echo "######## SKIPPED: $* ########" >&2
	skip "$*"
}

if [ ! -x lua/lua ]; then
	rm -rf src lua
	mkdir src lua
	(cd src && apt-get source -qq lua5.4 >/dev/null 2>&1) ||
		loud_skip "cannot fetch Lua's source: 'apt-get source lua5.4' failed (add a deb-src line to /etc/apt/sources.list and run apt-get update; dpkg-dev is needed)"
	luasrc=$(echo src/lua5.4-*/src)
	[ -f "$luasrc/lua.c" ] || loud_skip "no src/lua.c in the Lua source package"
	IFS='|' read -r name cc flags <<<"$(variants | head -1)"
	# Debian's luaconf.h includes a header its build generates.
	echo "#define DEB_HOST_MULTIARCH \"$($cc -dumpmachine)\"" >lua/lua5.4-deb-multiarch.h
	# The interpreter only: everything but luac.c, with the site flags.
	objs=()
	for c in "$luasrc"/*.c; do
		case $c in */luac.c) continue ;; esac
		o=lua/$(basename "${c%.c}").o
		$cc -O2 $flags -DLUA_USE_LINUX -Ilua -c "$c" -o "$o" || fail "compile $c"
		objs+=("$o")
	done
	$cc "${objs[@]}" -o lua/lua -lm -ldl || fail "link lua"
fi

cat >script.lua <<'EOF'
local function f(n)
  if n % 3 == 0 then error("boom " .. n) end
  return n
end
local ok, bad = 0, 0
for i = 1, 300 do
  if pcall(f, i) then ok = ok + 1 else bad = bad + 1 end
end
local function deep(n)
  if n == 0 then error({ code = n }) end
  return deep(n - 1) + 1
end
for _ = 1, 50 do pcall(deep, 10) end
local t = {}
for i = 1, 1000 do t[#t + 1] = string.format("%05d", (i * 7919) % 1000) end
table.sort(t)
print(ok, bad, t[1], t[#t])
EOF
want="200	100	00000	00999"
[ "$(run ./lua/lua script.lua)" = "$want" ] || fail "lua itself: $(run ./lua/lua script.lua)"

for run in 1 2; do
	record_to graph$run -- ./lua/lua script.lua >out 2>err || fail "record: $(cat err)"
	[ "$(cat out)" = "$want" ] || fail "lua under record: $(cat out)"
done
record_to prof -t profile -- ./lua/lua script.lua >/dev/null 2>err || fail "record profile"

dft report -i graph1 >graph.txt 2>err || fail "report graph: $(cat err)"
[ ! -s err ] || fail "report graph was not clean: $(cat err)"
grep -q "luaD_throw" graph.txt || fail "no luaD_throw in the graph"
grep -q "unwound" graph.txt || fail "no frames unwound by longjmp"
dft report -i graph1 --format chrome >graph.json 2>err || fail "report chrome: $(cat err)"
check_chrome graph.json
check_totals graph1
dft report -i graph1 --format svg >graph.svg || fail "report svg"
check_svg graph.svg

count() {
	dft report -i "$1" --format profile | awk -v f="$2" '!/^#/ && $NF == f { print $1 }'
}
for fn in luaD_throw luaB_pcall luaB_error lua_pcallk str_format sort luaV_execute; do
	a=$(count graph1 $fn) b=$(count graph2 $fn) p=$(count prof $fn)
	[ -n "$a" ] || fail "$fn not traced"
	[ "$a" = "$b" ] && [ "$a" = "$p" ] ||
		fail "$fn: $a calls in the graph, $b in the second run, $p in the profile"
	echo "$fn: $a calls"
done
[ "$(count graph1 luaB_pcall)" = 350 ] || fail "luaB_pcall: $(count graph1 luaB_pcall) calls, not 350"
[ "$(count graph1 luaB_error)" = 150 ] || fail "luaB_error: $(count graph1 luaB_error) calls, not 150"
pass "lua"
