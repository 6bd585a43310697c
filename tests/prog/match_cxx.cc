// SPDX-License-Identifier: MIT
/*
 * C++ names for the matcher (cmd_match.sh): an overload set, a function
 * of two parameters and a template, each called a known number of times.
 *   ns::Foo::bar(int) 3   ns::Foo::bar(double) 2   ns::Foo::baz(int) 1
 *   ns::pair(int, char) 4   ns::twice<int>(int) 5
 * It allocates with new, so that it links libstdc++ like any real C++
 * program (the runtime demangles with libstdc++'s __cxa_demangle).
 */
#include "cmd_prog.h"

namespace ns {

static volatile int sink;

struct Foo {
	NOIPA int bar(int x)
	{
		sink = x;
		return x;
	}
	NOIPA int bar(double x)
	{
		sink = (int)x;
		return (int)x;
	}
	NOIPA int baz(int x)
	{
		sink = x;
		return x;
	}
};

NOIPA int pair(int a, char b)
{
	sink = a + b;
	return a + b;
}

template <typename T> NOIPA T twice(T x)
{
	sink = (int)x;
	return x + x;
}

} // namespace ns

int main()
{
	ns::Foo *f = new ns::Foo;
	int s = 0;

	for (int i = 0; i < 3; i++)
		s += f->bar(i);
	for (int i = 0; i < 2; i++)
		s += f->bar(1.5);
	s += f->baz(1);
	delete f;
	for (int i = 0; i < 4; i++)
		s += ns::pair(i, 'a');
	for (int i = 0; i < 5; i++)
		s += ns::twice<int>(i);
	NOTAIL();
	return s == 0 ? 1 : 0;
}
