// SPDX-License-Identifier: MIT
/*
 * ELF reading for the runtime (site tables, symbols) and the command (list,
 * report). Bounds are checked against the mapped size everywhere: the file
 * may be truncated or corrupt, and must never crash a traced process.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfread.h"

static int host_is_le(void)
{
	const uint16_t one = 1;

	return *(const unsigned char *)&one == 1;
}

static uint16_t rd16(const struct dft_elf *e, const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return e->swap ? __builtin_bswap16(v) : v;
}

uint32_t dft_elf_u32(const struct dft_elf *e, const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return e->swap ? __builtin_bswap32(v) : v;
}

static uint64_t rd64(const struct dft_elf *e, const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return e->swap ? __builtin_bswap64(v) : v;
}

uint64_t dft_elf_word(const struct dft_elf *e, const unsigned char *p)
{
	return e->is64 ? rd64(e, p) : dft_elf_u32(e, p);
}

/* Field offsets differ between the classes; these pick the right one. */
#define F(e, f64, f32) ((e)->is64 ? (f64) : (f32))

static int in_file(const struct dft_elf *e, uint64_t off, uint64_t len)
{
	return off <= e->size && len <= e->size - off;
}

int dft_elf_open(struct dft_elf *e, const char *path)
{
	const unsigned char *h;
	struct stat st;
	void *map;
	int fd;

	memset(e, 0, sizeof(*e));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < EI_NIDENT) {
		close(fd);
		return -ENOEXEC;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	e->map = map;
	e->size = st.st_size;
	h = e->map;
	if (memcmp(h, ELFMAG, SELFMAG) || (h[EI_CLASS] != ELFCLASS32 && h[EI_CLASS] != ELFCLASS64))
		goto bad;
	e->is64 = h[EI_CLASS] == ELFCLASS64;
	e->swap = (h[EI_DATA] == ELFDATA2LSB) != host_is_le();
	if (!in_file(e, 0, F(e, sizeof(Elf64_Ehdr), sizeof(Elf32_Ehdr))))
		goto bad;
	e->type = rd16(e, h + F(e, offsetof(Elf64_Ehdr, e_type), offsetof(Elf32_Ehdr, e_type)));
	e->machine = rd16(e, h + F(e, offsetof(Elf64_Ehdr, e_machine), offsetof(Elf32_Ehdr, e_machine)));
	e->entry = dft_elf_word(e, h + F(e, offsetof(Elf64_Ehdr, e_entry), offsetof(Elf32_Ehdr, e_entry)));

	uint64_t shoff = dft_elf_word(e, h + F(e, offsetof(Elf64_Ehdr, e_shoff), offsetof(Elf32_Ehdr, e_shoff)));
	e->shnum = rd16(e, h + F(e, offsetof(Elf64_Ehdr, e_shnum), offsetof(Elf32_Ehdr, e_shnum)));
	e->shentsize = rd16(e, h + F(e, offsetof(Elf64_Ehdr, e_shentsize), offsetof(Elf32_Ehdr, e_shentsize)));
	unsigned int shstrndx = rd16(e, h + F(e, offsetof(Elf64_Ehdr, e_shstrndx), offsetof(Elf32_Ehdr, e_shstrndx)));

	if (e->shnum) {
		struct dft_elf_sec s;

		if (e->shentsize < F(e, sizeof(Elf64_Shdr), sizeof(Elf32_Shdr)) ||
		    !in_file(e, shoff, (uint64_t)e->shnum * e->shentsize))
			goto bad;
		e->shdrs = e->map + shoff;
		if (shstrndx < e->shnum && !dft_elf_section(e, shstrndx, &s) && s.data) {
			e->shstrtab = (const char *)s.data;
			e->shstrtab_size = s.size;
		}
	}
	return 0;
bad:
	dft_elf_close(e);
	return -ENOEXEC;
}

void dft_elf_close(struct dft_elf *e)
{
	if (e->map)
		munmap((void *)e->map, e->size);
	memset(e, 0, sizeof(*e));
}

static const char *str_at(const char *tab, size_t size, uint64_t off)
{
	if (!tab || off >= size || !memchr(tab + off, 0, size - off))
		return "";
	return tab + off;
}

int dft_elf_section(const struct dft_elf *e, unsigned int idx, struct dft_elf_sec *sec)
{
	const unsigned char *s;

	if (idx >= e->shnum)
		return -ENOENT;
	s = e->shdrs + (size_t)idx * e->shentsize;
	if (e->is64) {
		sec->type = dft_elf_u32(e, s + offsetof(Elf64_Shdr, sh_type));
		sec->flags = rd64(e, s + offsetof(Elf64_Shdr, sh_flags));
		sec->addr = rd64(e, s + offsetof(Elf64_Shdr, sh_addr));
		sec->offset = rd64(e, s + offsetof(Elf64_Shdr, sh_offset));
		sec->size = rd64(e, s + offsetof(Elf64_Shdr, sh_size));
		sec->entsize = rd64(e, s + offsetof(Elf64_Shdr, sh_entsize));
		sec->link = dft_elf_u32(e, s + offsetof(Elf64_Shdr, sh_link));
	} else {
		sec->type = dft_elf_u32(e, s + offsetof(Elf32_Shdr, sh_type));
		sec->flags = dft_elf_u32(e, s + offsetof(Elf32_Shdr, sh_flags));
		sec->addr = dft_elf_u32(e, s + offsetof(Elf32_Shdr, sh_addr));
		sec->offset = dft_elf_u32(e, s + offsetof(Elf32_Shdr, sh_offset));
		sec->size = dft_elf_u32(e, s + offsetof(Elf32_Shdr, sh_size));
		sec->entsize = dft_elf_u32(e, s + offsetof(Elf32_Shdr, sh_entsize));
		sec->link = dft_elf_u32(e, s + offsetof(Elf32_Shdr, sh_link));
	}
	sec->name = str_at(e->shstrtab, e->shstrtab_size,
			   dft_elf_u32(e, s + offsetof(Elf64_Shdr, sh_name)));
	sec->data = NULL;
	if (sec->type != SHT_NOBITS && in_file(e, sec->offset, sec->size))
		sec->data = e->map + sec->offset;
	return 0;
}

int dft_elf_find_section(const struct dft_elf *e, const char *name, struct dft_elf_sec *sec)
{
	for (unsigned int i = 1; i < e->shnum; i++)
		if (!dft_elf_section(e, i, sec) && !strcmp(sec->name, name))
			return 0;
	return -ENOENT;
}

static int walk_symtab(const struct dft_elf *e, uint32_t type, int funcs_only,
		       int (*fn)(const struct dft_elf_sym *sym, void *arg), void *arg, int *found)
{
	struct dft_elf_sec tab, str;
	size_t entsize = F(e, sizeof(Elf64_Sym), sizeof(Elf32_Sym));

	for (unsigned int i = 1; i < e->shnum; i++) {
		if (dft_elf_section(e, i, &tab) || tab.type != type || !tab.data)
			continue;
		if (dft_elf_section(e, tab.link, &str) || !str.data)
			continue;
		*found = 1;
		for (uint64_t off = entsize; off + entsize <= tab.size; off += entsize) {
			const unsigned char *s = tab.data + off;
			struct dft_elf_sym sym;
			unsigned char info;
			int ret;

			if (e->is64) {
				info = s[offsetof(Elf64_Sym, st_info)];
				sym.shndx = rd16(e, s + offsetof(Elf64_Sym, st_shndx));
				sym.value = rd64(e, s + offsetof(Elf64_Sym, st_value));
				sym.size = rd64(e, s + offsetof(Elf64_Sym, st_size));
			} else {
				info = s[offsetof(Elf32_Sym, st_info)];
				sym.shndx = rd16(e, s + offsetof(Elf32_Sym, st_shndx));
				sym.value = dft_elf_u32(e, s + offsetof(Elf32_Sym, st_value));
				sym.size = dft_elf_u32(e, s + offsetof(Elf32_Sym, st_size));
			}
			sym.type = ELF64_ST_TYPE(info);
			sym.bind = ELF64_ST_BIND(info);
			if (funcs_only && sym.type != STT_FUNC && sym.type != STT_GNU_IFUNC)
				continue;
			if (sym.type == STT_SECTION || sym.type == STT_FILE)
				continue;
			if (sym.shndx == SHN_UNDEF || sym.shndx >= SHN_LORESERVE)
				continue;
			sym.name = str_at((const char *)str.data, str.size,
					  dft_elf_u32(e, s + F(e, offsetof(Elf64_Sym, st_name),
							       offsetof(Elf32_Sym, st_name))));
			if (!*sym.name)
				continue;
			ret = fn(&sym, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int dft_elf_for_each_func(const struct dft_elf *e,
			  int (*fn)(const struct dft_elf_sym *sym, void *arg), void *arg)
{
	return dft_elf_for_each_sym(e, 1, fn, arg);
}

int dft_elf_for_each_sym(const struct dft_elf *e, int funcs_only,
			 int (*fn)(const struct dft_elf_sym *sym, void *arg), void *arg)
{
	int found = 0;
	int ret = walk_symtab(e, SHT_SYMTAB, funcs_only, fn, arg, &found);

	if (ret || found)
		return ret;
	return walk_symtab(e, SHT_DYNSYM, funcs_only, fn, arg, &found);
}

const unsigned char *dft_elf_code_at(const struct dft_elf *e, uint64_t addr, uint64_t len)
{
	struct dft_elf_sec s;

	for (unsigned int i = 1; i < e->shnum; i++) {
		if (dft_elf_section(e, i, &s) || !(s.flags & SHF_EXECINSTR) || !s.data)
			continue;
		/* Without a sum that can wrap. */
		if (addr >= s.addr && addr - s.addr <= s.size && len <= s.size - (addr - s.addr))
			return s.data + (addr - s.addr);
	}
	return NULL;
}

/* Calls @fn(name, r_offset, index, arg) for each entry of relocation
 * section @secname (or @alt) against a named symbol; stops at a non-zero
 * return and returns it; -1 when there is no such section. */
static long reloc_each(const struct dft_elf *e, const char *secname, const char *alt,
		       long (*fn)(const char *name, uint64_t where, uint64_t i, void *arg), void *arg)
{
	struct dft_elf_sec rel, sym, str;
	size_t relsz, symsz = F(e, sizeof(Elf64_Sym), sizeof(Elf32_Sym));

	if ((dft_elf_find_section(e, secname, &rel) && dft_elf_find_section(e, alt, &rel)) ||
	    !rel.data || dft_elf_section(e, rel.link, &sym) || !sym.data ||
	    dft_elf_section(e, sym.link, &str) || !str.data)
		return -1;
	if (rel.type == SHT_RELA)
		relsz = F(e, sizeof(Elf64_Rela), sizeof(Elf32_Rela));
	else
		relsz = F(e, sizeof(Elf64_Rel), sizeof(Elf32_Rel));
	for (uint64_t i = 0; (i + 1) * relsz <= rel.size; i++) {
		uint64_t info = dft_elf_word(e, rel.data + i * relsz + F(e, 8, 4));
		uint64_t idx = e->is64 ? info >> 32 : info >> 8;
		const char *name;
		long ret;

		if (!idx || (idx + 1) * symsz > sym.size)
			continue;
		name = str_at((const char *)str.data, str.size, dft_elf_u32(e, sym.data + idx * symsz));
		ret = fn(name, dft_elf_word(e, rel.data + i * relsz), i, arg);
		if (ret)
			return ret;
	}
	return 0;
}

struct find {
	const char *name;
	uint64_t where;
};

static long find_one(const char *name, uint64_t where, uint64_t i, void *arg)
{
	struct find *f = arg;

	if (strcmp(name, f->name))
		return 0;
	f->where = where;
	return (long)i + 1;
}

/* The index in relocation section @secname (or @alt) of the first entry
 * against symbol @name, with its r_offset in *@where; or -1. */
static long reloc_find(const struct dft_elf *e, const char *secname, const char *alt,
		       const char *name, uint64_t *where)
{
	struct find f = { name, 0 };
	long ret = reloc_each(e, secname, alt, find_one, &f);

	if (ret <= 0)
		return -1;
	if (where)
		*where = f.where;
	return ret - 1;
}

struct plt_each {
	int (*fn)(const char *name, uint64_t got, void *arg);
	void *arg;
};

static long plt_one(const char *name, uint64_t where, uint64_t i, void *arg)
{
	struct plt_each *p = arg;

	return p->fn(name, where, p->arg);
}

int dft_elf_for_each_plt_slot(const struct dft_elf *e,
			      int (*fn)(const char *name, uint64_t got, void *arg), void *arg)
{
	struct plt_each p = { fn, arg };
	long ret = reloc_each(e, ".rela.plt", ".rel.plt", plt_one, &p);

	return ret < 0 ? 0 : (int)ret;
}

long dft_elf_plt_slot(const struct dft_elf *e, const char *name)
{
	return reloc_find(e, ".rela.plt", ".rel.plt", name, NULL);
}

uint64_t dft_elf_got_slot(const struct dft_elf *e, const char *name)
{
	uint64_t where = 0;

	/* A GOT-indirect call or a PLT entry reading the GOT (.plt.got)
	 * uses the .rel[a].dyn slot; otherwise the PLT's own slot. */
	if (reloc_find(e, ".rela.dyn", ".rel.dyn", name, &where) < 0 &&
	    reloc_find(e, ".rela.plt", ".rel.plt", name, &where) < 0)
		return 0;
	return where;
}

int dft_elf_for_each_dynstr(const struct dft_elf *e,
			    int (*fn)(long tag, const char *s, void *arg), void *arg)
{
	size_t entsz = F(e, sizeof(Elf64_Dyn), sizeof(Elf32_Dyn)), word = F(e, 8, 4);
	struct dft_elf_sec dyn, str;
	unsigned int i;

	for (i = 0; !dft_elf_section(e, i, &dyn); i++) {
		if (dyn.type == SHT_DYNAMIC)
			break;
	}
	if (i == e->shnum || !dyn.data || dft_elf_section(e, dyn.link, &str) || !str.data)
		return 0;
	for (uint64_t off = 0; off + entsz <= dyn.size; off += entsz) {
		uint64_t tag = dft_elf_word(e, dyn.data + off);
		uint64_t val = dft_elf_word(e, dyn.data + off + word);
		int ret;

		if (tag == DT_NULL)
			break;
		if (tag != DT_NEEDED && tag != DT_RPATH && tag != DT_RUNPATH)
			continue;
		ret = fn((long)tag, str_at((const char *)str.data, str.size, val), arg);
		if (ret)
			return ret;
	}
	return 0;
}

uint64_t dft_elf_base(const struct dft_elf *e)
{
	const unsigned char *h = e->map;
	uint64_t phoff = dft_elf_word(e, h + F(e, offsetof(Elf64_Ehdr, e_phoff), offsetof(Elf32_Ehdr, e_phoff)));
	unsigned int phnum = rd16(e, h + F(e, offsetof(Elf64_Ehdr, e_phnum), offsetof(Elf32_Ehdr, e_phnum)));
	unsigned int phentsize = rd16(e, h + F(e, offsetof(Elf64_Ehdr, e_phentsize), offsetof(Elf32_Ehdr, e_phentsize)));
	uint64_t base = UINT64_MAX;

	if (phentsize < F(e, sizeof(Elf64_Phdr), sizeof(Elf32_Phdr)) ||
	    !in_file(e, phoff, (uint64_t)phnum * phentsize))
		return 0;
	for (unsigned int i = 0; i < phnum; i++) {
		const unsigned char *p = e->map + phoff + (size_t)i * phentsize;
		uint64_t vaddr = dft_elf_word(e, p + F(e, offsetof(Elf64_Phdr, p_vaddr), offsetof(Elf32_Phdr, p_vaddr)));

		if (dft_elf_u32(e, p) == PT_LOAD && vaddr < base)
			base = vaddr;
	}
	return base == UINT64_MAX ? 0 : base & ~(uint64_t)0xfff;
}

size_t dft_elf_build_id(const struct dft_elf *e, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	struct dft_elf_sec s;

	for (unsigned int i = 1; i < e->shnum; i++) {
		if (dft_elf_section(e, i, &s) || s.type != SHT_NOTE || !s.data)
			continue;
		for (uint64_t off = 0; off + 12 <= s.size;) {
			uint32_t namesz = dft_elf_u32(e, s.data + off);
			uint32_t descsz = dft_elf_u32(e, s.data + off + 4);
			uint32_t type = dft_elf_u32(e, s.data + off + 8);
			uint64_t name = off + 12, desc = name + ((namesz + 3ULL) & ~3ULL);
			size_t n = 0;

			if (desc + descsz > s.size)
				break;
			if (type == NT_GNU_BUILD_ID && namesz == 4 &&
			    !memcmp(s.data + name, "GNU", 4)) {
				for (uint32_t j = 0; j < descsz && n + 2 < len; j++) {
					buf[n++] = hex[s.data[desc + j] >> 4];
					buf[n++] = hex[s.data[desc + j] & 15];
				}
				buf[n] = 0;
				return n;
			}
			off = desc + ((descsz + 3ULL) & ~3ULL);
		}
	}
	return 0;
}
