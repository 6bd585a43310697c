// SPDX-License-Identifier: MIT
/*
 * A C++ exception thrown through traced frames and caught two frames up:
 * the unwinder must find the real return addresses, and the trace must
 * close the frames it left. Names are mangled in the sites file and
 * demangled by report.
 */
#include <stdexcept>
#include <string>

#include "cmd_prog.h"

namespace cmdtest {

static volatile int sink;

struct Widget {
	NOIPA int poke(int x)
	{
		sink = x;
		if (x > 2)
			throw std::runtime_error("too big: " + std::to_string(x));
		return x;
	}
};

NOIPA int deep(Widget &w, int x)
{
	int r = w.poke(x) + 1;

	NOTAIL();
	return r;
}

NOIPA int catcher(int x)
{
	Widget w;

	try {
		return deep(w, x);
	} catch (const std::exception &e) {
		sink = -1;
	}
	NOTAIL();
	return -1;
}

} // namespace cmdtest

int main()
{
	int s = 0;

	for (int i = 1; i <= 4; i++)
		s += cmdtest::catcher(i);
	return s == 2 + 3 - 1 - 1 ? 0 : 1;
}
