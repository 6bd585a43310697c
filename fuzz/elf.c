// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ELF reader and the site tables (util/elfread.c,
 * util/sites.c, the native scan.c), as the runtime and `dynftrace list`
 * read a file. An input is the file.
 */
#include <string.h>

#include "elfread.h"
#include "fuzz.h"
#include "sites.h"

static int on_sym(const struct dft_elf_sym *sym, void *arg)
{
	/* Touch the name: the reader promises a NUL-terminated one. */
	*(size_t *)arg += strlen(sym->name);
	return 0;
}

static int on_slot(const char *name, uint64_t got, void *arg)
{
	*(size_t *)arg += strlen(name) + (got & 1);
	return 0;
}

static int on_dynstr(long tag, const char *s, void *arg)
{
	*(size_t *)arg += strlen(s) + (tag & 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dft_elf_sites sites;
	struct dft_elf_sec sec;
	struct dft_elf e;
	size_t sum = 0;
	char id[80];

	if (dft_elf_open(&e, fuzz_file("elf", data, size)))
		return 0;
	for (unsigned int i = 0; i < e.shnum; i++) {
		if (!dft_elf_section(&e, i, &sec) && sec.name)
			sum += strlen(sec.name);
	}
	for (const char *const *t = dft_site_tables; *t; t++)
		dft_elf_find_section(&e, *t, &sec);
	dft_elf_for_each_sym(&e, 0, on_sym, &sum);
	dft_elf_for_each_func(&e, on_sym, &sum);
	dft_elf_for_each_plt_slot(&e, on_slot, &sum);
	dft_elf_for_each_dynstr(&e, on_dynstr, &sum);
	dft_elf_plt_slot(&e, "malloc");
	dft_elf_got_slot(&e, "malloc");
	dft_elf_base(&e);
	dft_elf_build_id(&e, id, sizeof(id));
	dft_elf_code_at(&e, e.entry, 16);
	if (!dft_elf_sites(&e, &sites)) {
		for (size_t i = 0; i < sites.n; i++) {
			if (sites.v[i].name < sites.names_len)
				sum += strlen(sites.names + sites.v[i].name);
		}
		dft_elf_sites_free(&sites);
	}
	dft_elf_close(&e);
	return sum == 1; /* keeps sum alive; libFuzzer ignores the value */
}
