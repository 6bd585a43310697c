// SPDX-License-Identifier: MIT
#include "cmd.h"
int cmd_top(int argc, char **argv)
{
	die("top: not yet");
}
