/* The floor's handler (floor_stub.S): a TSC read and a 16-byte store into
 * a 1 MiB ring. Built without instrumentation. */
#include <stdint.h>
#include <x86intrin.h>

struct ev {
	uint64_t tsc, ip;
};

#define RING (1u << 16)
static struct ev ring[RING];
static unsigned int pos;

__attribute__((noinline)) void floor_event(unsigned long ip, unsigned long parent)
{
	struct ev *e = &ring[pos++ & (RING - 1)];

	(void)parent;
	e->tsc = __rdtsc();
	e->ip = ip;
}
