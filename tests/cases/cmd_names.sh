#!/bin/bash
# report --demangle: simple (the default: no template arguments, parameters
# or return types), full, no; names two functions would share stay full.
# Mangled names in a generated trace, so that no compiler's choices matter.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
build_gentrace
cd "$T" || fail "no test dir"
rm -rf tr
mkdir tr
printf 'version=0\ntracer=function_graph\nargv=prog\noptions=\nstart=0\npid=1\n' >tr/info
printf 'ticks_per_sec=1000000000 source=monotonic mono0=0 ticks0=0\n' >tr/clock-1
printf 'status=0\n' >tr/exit-1
cat >tr/sites-1 <<'EOT'
0 0 1000 1000 _ZNSt3mapIiiSt4lessIiESaISt4pairIKiiEEEixERS3_
1 0 1100 1100 _ZN2ns4overEi
2 0 1200 1200 _ZN2ns4overEd
3 0 1300 1300 _ZN2ns5twiceIiEET_S1_
4 0 1400 1400 _ZNK2ns3FoocvbEv
5 0 1500 1500 _ZN12_GLOBAL__N_16hiddenEi
6 0 1600 1600 _ZN9__gnu_cxxmiIPiSt6vectorIiSaIiEEEENS_17__normal_iteratorIT_T0_E15difference_typeERKS8_SB_
7 0 1700 1700 plain_c
8 0 1800 1800 _ZN4main1fEv
9 0 1900 1900 main
EOT
{
	echo "stream 1 1 prog 0"
	for f in 0 1 2 3 4 5 6 7 8 9; do
		echo "entry $((f * 100 + 10)) $f"
		echo "exit $((f * 100 + 20))"
	done
} | "$GENTRACE" tr || fail gentrace

dft report -i tr --format profile -O raw | awk -F'  ' '!/^#/ { print $NF }' >out ||
	fail "report"
expect "simple names" out <<'EOT'
(anonymous namespace)::hidden
__gnu_cxx::operator-
main
main::f
ns::Foo::operator bool
ns::over(double)
ns::over(int)
ns::twice
plain_c
std::map::operator[]
EOT
# The graph adds "()" to a name without parameters, as to a C name.
dft report -i tr | grep -c '  std::map::operator\[\]();' | grep -qx 1 || fail "graph: $(dft report -i tr)"
# Filters match the name shown, the full one and the mangled one.
for g in 'std::map::operator?]' '*operator[[]](int const&)' '_ZNSt3map*'; do
	[ "$(dft report -i tr --format folded -F "$g")" = "std::map::operator[] 10" ] ||
		fail "-F $g: $(dft report -i tr --format folded -F "$g")"
done

dft report -i tr --format profile -O raw --demangle=full | awk -F'  ' '!/^#/ { print $NF }' >out
expect "full names" out <<'EOT'
(anonymous namespace)::hidden(int)
__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >::difference_type __gnu_cxx::operator-<int*, std::vector<int, std::allocator<int> > >(__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > > const&, __gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > > const&)
int ns::twice<int>(int)
main
main::f()
ns::Foo::operator bool() const
ns::over(double)
ns::over(int)
plain_c
std::map<int, int, std::less<int>, std::allocator<std::pair<int const, int> > >::operator[](int const&)
EOT
dft report -i tr --format profile -O raw --demangle=no | awk -F'  ' '!/^#/ { print $NF }' >out
expect "raw names" out <<'EOT'
_ZN12_GLOBAL__N_16hiddenEi
_ZN2ns4overEd
_ZN2ns4overEi
_ZN2ns5twiceIiEET_S1_
_ZN4main1fEv
_ZN9__gnu_cxxmiIPiSt6vectorIiSaIiEEEENS_17__normal_iteratorIT_T0_E15difference_typeERKS8_SB_
_ZNK2ns3FoocvbEv
_ZNSt3mapIiiSt4lessIiESaISt4pairIKiiEEEixERS3_
main
plain_c
EOT
dft report -i tr --demangle=short 2>err && fail "--demangle=short accepted"
expect "bad mode" err <<'EOT'
dynftrace: --demangle takes simple, full or no, not 'short'
EOT
