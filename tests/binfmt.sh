# Sourced by tests/check.sh: lets the kernel run ARM and AArch64 binaries
# through qemu-user (binfmt_misc), so that a cross-built dynftrace runs a
# cross-built program, and everything it forks and execs, as on a board.
#
# binfmt_setup ARCH: 0 when binaries of ARCH (arm, aarch64) run directly,
# whether it registered them now or they already were. Idempotent. Needs
# root for the mount and the registration; says why when it cannot.
binfmt_setup() {
	local arch=$1 dir=/proc/sys/fs/binfmt_misc conf=/usr/lib/binfmt.d/qemu-$1.conf
	if [ ! -e $dir/register ]; then
		mount -t binfmt_misc binfmt_misc $dir 2>/dev/null || {
			echo "binfmt: cannot mount binfmt_misc on $dir (not root, or no" \
				"binfmt_misc in this kernel)" >&2
			return 1
		}
	fi
	if [ ! -e $dir/qemu-$arch ]; then
		[ -r "$conf" ] || {
			echo "binfmt: $conf is missing (apt-get install qemu-user-static)" >&2
			return 1
		}
		cat "$conf" >$dir/register 2>/dev/null || {
			echo "binfmt: cannot register qemu-$arch (not root?)" >&2
			return 1
		}
	fi
	grep -qx enabled $dir/qemu-$arch || {
		echo "binfmt: the qemu-$arch entry is disabled" >&2
		return 1
	}
}
