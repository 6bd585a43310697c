// See cxx_multi.h. Prints the number of words, distinct words and a sum.
#include <cstdio>
#include <cstdlib>

#include "cxx_multi.h"

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10, s;
	cxx_words w;

	s = cxx_fill_a(w, n);
	for (int i = 0; i < n; i++) {
		w.add("b" + std::to_string(i % 5));
		s += cxx_twice(i);
	}
	printf("%zu %zu %d\n", w.v.size(), w.count.size(), s);
	return 0;
}
