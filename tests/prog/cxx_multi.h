// Two files that instantiate the same templates and inline functions:
// COMDAT functions defined in both objects, kept from one. g++ 12 with a
// site table does not link this (tests/cases/cxx_multifile.sh).
#include <map>
#include <string>
#include <vector>

template <class T> __attribute__((noinline)) T cxx_twice(T x)
{
	return x + x;
}

struct cxx_words {
	std::vector<std::string> v;
	std::map<std::string, int> count;
	__attribute__((noinline)) void add(const std::string &w)
	{
		v.push_back(w);
		count[w]++;
	}
};

int cxx_fill_a(cxx_words &w, int n);
