# ARM, g++ -fpatchable-function-entry (tests/lib.sh arm_pfe_eh): moves each
# function's .fnstart from before its NOP sled to just after it, where the
# compiler's LSDA offsets start. A .fnstart without a sled stays.
held == 1 {
	held = /__patchable_function_entries/ ? 2 : 0
	if (!held)
		print "\t.fnstart"
}
held == 2 && /^\.LPFE[0-9]+:$/ { held = 3; print; next }
held == 3 && !/^\tnop$/ { print "\t.fnstart"; held = 0 }
/^\t\.fnstart$/ { held = 1; next }
{ print }
