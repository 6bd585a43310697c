// See cxx_multi.h.
#include "cxx_multi.h"

int cxx_fill_a(cxx_words &w, int n)
{
	int s = 0;

	for (int i = 0; i < n; i++) {
		w.add("a" + std::to_string(i % 7));
		s += cxx_twice(i);
	}
	return s;
}
