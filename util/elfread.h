/* SPDX-License-Identifier: MIT */
/*
 * A small ELF reader, shared by the runtime and the command. It maps a file
 * read-only and walks its sections and symbols, for 32- and 64-bit ELF of
 * either byte order, so that the command can read cross-built programs.
 * It uses libc only and never allocates on the lookup paths.
 */
#ifndef DFT_ELFREAD_H
#define DFT_ELFREAD_H

#include <stddef.h>
#include <stdint.h>

/* Hidden in the runtime (internal.h says why); harmless in the command. */
#pragma GCC visibility push(hidden)

struct dft_elf {
	const unsigned char *map;
	size_t size;
	int is64;
	int swap; /* file byte order differs from ours */
	uint16_t machine;
	uint16_t type; /* ET_EXEC, ET_DYN, ... */
	uint64_t entry;
	const unsigned char *shdrs;
	unsigned int shnum, shentsize;
	const char *shstrtab;
	size_t shstrtab_size;
};

struct dft_elf_sec {
	const char *name;
	uint32_t type;
	uint64_t flags;
	uint64_t addr;	 /* link-time address */
	uint64_t offset; /* in the file */
	uint64_t size;
	uint64_t entsize;
	uint32_t link;
	const unsigned char *data; /* NULL for NOBITS or out-of-file */
};

struct dft_elf_sym {
	const char *name;
	uint64_t value;
	uint64_t size;
	unsigned char type; /* STT_* */
	unsigned char bind; /* STB_* */
	uint16_t shndx;
};

/* 0, or -errno (-ENOEXEC for a file that is not ELF or is truncated). */
int dft_elf_open(struct dft_elf *e, const char *path);
void dft_elf_close(struct dft_elf *e);
int dft_elf_section(const struct dft_elf *e, unsigned int idx, struct dft_elf_sec *sec);
int dft_elf_find_section(const struct dft_elf *e, const char *name, struct dft_elf_sec *sec);

/* Calls @fn for every defined function symbol of .symtab, or of .dynsym
 * when the file was stripped; stops at a non-zero return and returns it. */
int dft_elf_for_each_func(const struct dft_elf *e,
			  int (*fn)(const struct dft_elf_sym *sym, void *arg), void *arg);

/* The same for every defined symbol (functions, objects, TLS, ...), or
 * only functions with @funcs_only. */
int dft_elf_for_each_sym(const struct dft_elf *e, int funcs_only,
			 int (*fn)(const struct dft_elf_sym *sym, void *arg), void *arg);

/* Reads a word of the file's class and byte order at @p. */
uint64_t dft_elf_word(const struct dft_elf *e, const unsigned char *p);
uint32_t dft_elf_u32(const struct dft_elf *e, const unsigned char *p);

/* The file's bytes at link-time address @addr in an executable section,
 * or NULL. */
const unsigned char *dft_elf_code_at(const struct dft_elf *e, uint64_t addr, uint64_t len);

/* The index in .rel[a].plt of the slot of the function @name (its PLT
 * entry is the index-th after the PLT header), or -1. */
long dft_elf_plt_slot(const struct dft_elf *e, const char *name);

/* Calls @fn with the symbol name and the link-time GOT address of each
 * slot of .rel[a].plt (the functions called through the PLT); stops at a
 * non-zero return and returns it. */
int dft_elf_for_each_plt_slot(const struct dft_elf *e,
			      int (*fn)(const char *name, uint64_t got, void *arg), void *arg);

/* The link-time address of the GOT slot that holds the address of the
 * function @name (a dynamic relocation's offset), or 0. */
uint64_t dft_elf_got_slot(const struct dft_elf *e, const char *name);

/* Calls @fn for each DT_NEEDED, DT_RPATH and DT_RUNPATH entry of the
 * file's dynamic section, with its tag and string, in order; stops at a
 * non-zero return and returns it. 0 for a file without one. */
int dft_elf_for_each_dynstr(const struct dft_elf *e,
			    int (*fn)(long tag, const char *s, void *arg), void *arg);

/* The lowest PT_LOAD vaddr (what the load bias is relative to). */
uint64_t dft_elf_base(const struct dft_elf *e);

/* The GNU build-id as lower-case hex into @buf (at least 41 bytes);
 * returns its length, or 0 when there is none. */
size_t dft_elf_build_id(const struct dft_elf *e, char *buf, size_t len);

#pragma GCC visibility pop
#endif /* DFT_ELFREAD_H */
