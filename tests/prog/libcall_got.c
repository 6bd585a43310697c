// GOT slots and library calls through the API (tests/cases/trace_libcall.sh,
// run with DYNFTRACE_LIBCALL=1 LD_BIND_NOW=1): an ops tracing getppid makes
// only that slot point elsewhere, sees each call, and unregistering puts
// back exactly what every slot of the program held; so does an ops that
// traces everything. Prints "ok" and the count, or what went wrong.
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dynftrace.h"

#define MAX_SLOTS 512
#if __SIZEOF_LONG__ == 8
#define R_SYM(i) ELF64_R_SYM(i)
#else
#define R_SYM(i) ELF32_R_SYM(i)
#endif

static unsigned long *slots[MAX_SLOTS], before[MAX_SLOTS];
static const char *names[MAX_SLOTS];
static int nslots;
static int calls;

/* The JUMP_SLOT relocations of the main program, from its dynamic section. */
static int find_slots(struct dl_phdr_info *info, size_t size, void *arg)
{
	const ElfW(Dyn) *dyn = NULL;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	const char *jmprel = NULL;
	size_t relsz = 0, entsz = 0;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const void *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	}
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_JMPREL: jmprel = (const char *)dyn->d_un.d_ptr; break;
		case DT_PLTRELSZ: relsz = dyn->d_un.d_val; break;
		case DT_SYMTAB: symtab = (const void *)dyn->d_un.d_ptr; break;
		case DT_STRTAB: strtab = (const char *)dyn->d_un.d_ptr; break;
		case DT_PLTREL: entsz = dyn->d_un.d_val == DT_RELA ? sizeof(ElfW(Rela)) : sizeof(ElfW(Rel)); break;
		}
	}
	for (size_t off = 0; jmprel && entsz && off < relsz && nslots < MAX_SLOTS; off += entsz) {
		const ElfW(Rel) *r = (const void *)(jmprel + off);

		slots[nslots] = (unsigned long *)(info->dlpi_addr + r->r_offset);
		names[nslots] = strtab + symtab[R_SYM(r->r_info)].st_name;
		nslots++;
	}
	return 1; /* the main program comes first */
}

static void count(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		  struct dft_regs *regs)
{
	calls++;
}

/* Every slot holds what it held before, but @except: which must not. */
static int check(const char *when, const char *except)
{
	for (int i = 0; i < nslots; i++) {
		int same = *slots[i] == before[i];

		if (except && !strcmp(names[i], except) ? same : !same) {
			printf("%s: slot of %s %s\n", when, names[i], same ? "unchanged" : "changed");
			return 1;
		}
	}
	return 0;
}

__attribute__((noinline)) static int calls_getppid(void)
{
	return getppid() + getppid() + getppid() > 0;
}

int main(void)
{
	struct dft_ops one = { .func = count }, all = { .func = count };
	int changed = 0;

	dl_iterate_phdr(find_slots, NULL);
	for (int i = 0; i < nslots; i++)
		before[i] = *slots[i];
	if (dft_set_filter(&one, "getppid", 1) || dft_register_ops(&one))
		return printf("cannot trace getppid\n"), 1;
	calls_getppid();
	if (calls != 3)
		return printf("%d calls of getppid seen, not 3\n", calls), 1;
	if (check("getppid traced", "getppid") || dft_unregister_ops(&one) ||
	    check("unregistered", NULL))
		return 1;
	calls_getppid();
	if (calls != 3)
		return printf("calls seen after unregistering\n"), 1;
	if (dft_register_ops(&all))
		return printf("cannot trace everything\n"), 1;
	for (int i = 0; i < nslots; i++)
		changed += *slots[i] != before[i];
	if (dft_unregister_ops(&all) || check("everything unregistered", NULL))
		return 1;
	printf("ok %d slots, %d taken\n", nslots, changed);
	return changed > 3 ? 0 : 1;
}
