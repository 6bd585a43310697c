#!/bin/bash
# A command with no call sites, in it or in the libraries it needs
# (DT_NEEDED, found through RUNPATH/$ORIGIN, LD_LIBRARY_PATH or the
# system's directories), is refused before it runs: exit 1, the flags to
# use, no trace directory. --force runs it. One whose library has sites,
# and a script (whose children may be traced), are run.
. "$TOP/tests/lib.sh"
. "$TOP/tests/prog/cmd_lib.sh"
[ -z "$RUN" ] || skip "record under an emulator: the runtime's own tests cover the target"
cd "$T" || fail "no test dir"
rm -rf tr tr2 ran tmp lib sub && mkdir tmp lib sub
IFS='|' read -r name cc flags <<<"$(variants | head -1)"
[ -n "$name" ] || skip "no compiler"

cat >plain.c <<'E'
#include <stdio.h>
int lib_fn(int);
int main(void)
{
	FILE *f = fopen("ran", "w");
#ifdef WITH_LIB
	fprintf(f, "%d\n", lib_fn(1));
#endif
	return fclose(f);
}
E
echo 'int lib_fn(int x) { return x + 1; }' >lib.c
$cc -O2 plain.c -o plain || fail "build plain"
$cc -O2 $flags -fPIC -shared lib.c -o lib/libsited.so || fail "build lib"
$cc -O2 -fPIC -shared lib.c -o sub/libsited.so || fail "build plain lib"
$cc -O2 -DWITH_LIB plain.c -o withlib -Llib -lsited -Wl,-rpath,'$ORIGIN/lib' || fail "build withlib"
$cc -O2 -DWITH_LIB plain.c -o withplainlib -Lsub -lsited || fail "build withplainlib"

dft record -o tr -- ./plain 2>err
st=$?
[ $st = 1 ] || fail "no sites: status $st, not 1"
[ ! -e ran ] || fail "the command ran"
[ ! -e tr ] || fail "a trace directory was made"
grep -q "^dynftrace: ./plain has no call sites, nor have the libraries it needs: nothing would be traced. Build it with .*-fpatchable-function-entry.*; or use --force" err ||
	fail "message: $(cat err)"
[ "$(wc -l <err)" = 1 ] || fail "more than one message: $(cat err)"
TMPDIR=$T/tmp dft live -- ./plain 2>err
st=$?
[ $st = 1 ] || fail "live: status $st, not 1"
[ -z "$(ls tmp)" ] || fail "live left $(ls tmp)"
[ ! -e ran ] || fail "live ran the command"

dft record --force -o tr -- ./plain 2>err || fail "--force: $(cat err)"
[ -e ran ] || fail "--force did not run the command"
rm -f ran

# A library with sites, found through RUNPATH $ORIGIN: run and traced.
dft record -f -o tr -F lib_fn -- ./withlib 2>err || fail "a library with sites: $(cat err)"
[ "$(cat ran)" = 2 ] || fail "withlib did not run"
grep -q "^dynftrace: 2 events" err || fail "lib_fn not traced: $(cat err)"
rm -f ran
# The same name found through LD_LIBRARY_PATH: without sites, refused; with, run.
LD_LIBRARY_PATH=$T/sub dft record -o tr2 -- ./withplainlib 2>err
[ $? = 1 ] && [ ! -e ran ] || fail "a library without sites: not refused: $(cat err)"
LD_LIBRARY_PATH=$T/lib dft record -o tr2 -- ./withplainlib 2>err || fail "LD_LIBRARY_PATH: $(cat err)"
[ "$(cat ran)" = 2 ] || fail "withplainlib did not run"
rm -f ran

# A script: the programs it runs may be traced.
printf '#!/bin/sh\nexec ./withlib\n' >script.sh && chmod +x script.sh
dft record -f -o tr -- ./script.sh 2>err || fail "script: $(cat err)"
[ "$(cat ran)" = 2 ] || fail "the script did not run"
pass "commands without call sites refused, --force runs them"
