// SPDX-License-Identifier: MIT
/*
 * Batches: from the sites' reference counts to patched text.
 *
 * One update of any number of sites is one batch: one protocol round of the
 * architecture (arch/<arch>/poke.c), and one mprotect() per contiguous
 * page range each way. Text is writable (and executable: other threads keep
 * running it) only for the duration of the batch, then every page gets
 * back exactly the protection /proc/self/maps showed before.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"
#include "internal.h"

#define PAGE_SIZE dft_page_size()
#define PAGE_DOWN(a) ((a) & ~(PAGE_SIZE - 1))

/*
 * The kernel's page size (4K, 16K or 64K on AArch64), never a constant.
 * DYNFTRACE_PAGE_SIZE, a larger power of two, makes every path that takes
 * one (text protection, stub pages, the IPI page) work in those units, so
 * that the suite runs the 16K and 64K code paths on a 4K kernel.
 */
unsigned long dft_page_size(void)
{
	static unsigned long size;

	if (!size) {
		unsigned long real = getauxval(AT_PAGESZ), want;
		const char *env = getenv("DYNFTRACE_PAGE_SIZE");

		if (!real)
			real = (unsigned long)sysconf(_SC_PAGESIZE);
		want = env ? strtoul(env, NULL, 0) : 0;
		size = want > real && !(want & (want - 1)) ? want : real;
	}
	return size;
}

struct range {
	unsigned long lo, hi;
	int prot;
};

struct ranges {
	struct range *v;
	size_t n, cap;
};

static int range_add(struct ranges *r, unsigned long lo, unsigned long hi, int prot)
{
	if (r->n && r->v[r->n - 1].hi >= lo && r->v[r->n - 1].prot == prot) {
		if (hi > r->v[r->n - 1].hi)
			r->v[r->n - 1].hi = hi;
		return 0;
	}
	if (DFT_ARRAY_ROOM(r->v, r->n, r->cap, 16))
		return -ENOMEM;
	r->v[r->n++] = (struct range){ lo, hi, prot };
	return 0;
}

/*
 * Without a view of the mappings (see dft_open_maps()), the pages of the
 * modules' text: read and execute, as the loader maps a PF_X segment (and
 * plt.c its stubs). A page outside them is an error, never written.
 */
static int module_protections(const struct ranges *want, struct ranges *out)
{
	for (size_t i = 0; i < want->n; i++) {
		unsigned long a = want->v[i].lo;
		int ret = -ENOENT;

		for (struct dft_module *m = dft_module_pending ? dft_module_pending : dft_modules; m;
		     m = m == dft_module_pending ? dft_modules : m->next) {
			if (a >= PAGE_DOWN(m->text_lo) &&
			    want->v[i].hi <= PAGE_DOWN(m->text_hi + PAGE_SIZE - 1)) {
				ret = range_add(out, a, want->v[i].hi, PROT_READ | PROT_EXEC);
				break;
			}
		}
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Splits the page ranges @want by mapping, with each mapping's current
 * protection, into @out. Pages that are not mapped at all are left out, so
 * nothing is ever written there.
 */
static int protections(const struct ranges *want, struct ranges *out)
{
	char line[512], *p;
	int fd = dft_open_maps();
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	size_t i = 0;
	int ret = 0;

	if (fd < 0)
		return module_protections(want, out);
	if (!f) {
		close(fd);
		return -errno;
	}
	while (i < want->n && fgets(line, sizeof(line), f)) {
		unsigned long lo = strtoul(line, &p, 16), hi = strtoul(p + 1, &p, 16);
		int prot = (p[1] == 'r' ? PROT_READ : 0) | (p[2] == 'w' ? PROT_WRITE : 0) |
			   (p[3] == 'x' ? PROT_EXEC : 0);

		/* A line longer than the buffer: skip its tail. */
		if (!strchr(line, '\n'))
			while (fgets(line, sizeof(line), f) && !strchr(line, '\n'))
				;
		while (i < want->n && want->v[i].hi <= lo)
			i++;
		for (size_t j = i; j < want->n && want->v[j].lo < hi; j++) {
			unsigned long a = want->v[j].lo > lo ? want->v[j].lo : lo;
			unsigned long b = want->v[j].hi < hi ? want->v[j].hi : hi;

			ret = range_add(out, a, b, prot);
			if (ret)
				goto out;
		}
	}
out:
	fclose(f);
	return ret;
}

static int cmp_patch(const void *a, const void *b)
{
	const struct dft_patch *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int dft_text_patch(struct dft_patch *batch, size_t n, int live)
{
	struct ranges want = { 0 }, prot = { 0 };
	size_t i, done = 0;
	int ret = 0;

	if (!n)
		return 0;
	qsort(batch, n, sizeof(*batch), cmp_patch);
	for (i = 0; i < n && !ret; i++)
		ret = range_add(&want, PAGE_DOWN(batch[i].addr),
				PAGE_DOWN(batch[i].addr + batch[i].len - 1) + PAGE_SIZE, 0);
	if (!ret)
		ret = protections(&want, &prot);
	for (i = 0; i < prot.n && !ret; i++, done++)
		if (mprotect((void *)prot.v[i].lo, prot.v[i].hi - prot.v[i].lo,
			     PROT_READ | PROT_WRITE | PROT_EXEC))
			ret = -errno;
	if (ret) {
		pr_err("cannot make text writable (%s): nothing patched%s", strerror(-ret),
		       ret == -EACCES ? "; a W^X policy (SELinux execmod?) forbids it" : "");
	} else {
		if (live)
			__atomic_fetch_add(&dft_patch_stats.batches, 1, __ATOMIC_RELAXED);
		ret = dft_arch_patch(batch, n, live);
	}
	for (i = 0; i < done; i++)
		mprotect((void *)prot.v[i].lo, prot.v[i].hi - prot.v[i].lo, prot.v[i].prot);
	free(want.v);
	free(prot.v);
	return ret;
}

struct dft_patch_stats dft_patch_stats;

__attribute__((destructor)) static void print_stats(void)
{
	const char *env = getenv("DYNFTRACE_STATS");

	if (env && *env && *env != '0')
		fprintf(stderr,
			"dynftrace: patch stats: %lu live batches, %lu traps, %lu stops, %lu threads parked\n",
			dft_patch_stats.batches, dft_patch_stats.traps, dft_patch_stats.stops,
			dft_patch_stats.parked);
}

static enum dft_target wanted(const struct dft_site *s)
{
	if (!s->refs)
		return DFT_TGT_NOP;
	if (s->regs_refs)
		return DFT_TGT_REGS;
	return dft_direct_tramp ? DFT_TGT_DIRECT : DFT_TGT_CALLER;
}

/* Lock held. Brings every site to what its reference counts want. */
int dft_update_sites(void)
{
	struct dft_patch *batch = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;

	dft_for_each_module(m) {
		dft_for_each_site(m, s) {
			enum dft_target t = wanted(s);

			if (t == s->target || (s->flags & DFT_SITE_FAILED))
				continue;
			if (DFT_ARRAY_ROOM(batch, n, cap, 256)) {
				free(batch);
				return -ENOMEM;
			}
			batch[n].addr = s->addr;
			batch[n].len = s->len;
			memcpy(batch[n].old, (void *)s->addr, s->len);
			if (dft_arch_site_insn(s, t, batch[n].new))
				continue; /* unreachable trampoline: warned at load */
			n++;
		}
	}
	ret = dft_text_patch(batch, n, 1);
	if (!ret) {
		for (size_t i = 0; i < n; i++) {
			struct dft_site *s = dft_site_lookup(batch[i].addr);

			s->target = wanted(s);
		}
		/* Library calls go through their stubs while those are traced. */
		dft_plt_sync();
	}
	free(batch);
	return ret;
}
