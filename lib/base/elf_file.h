/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: ELF access shared by the note parser and the attach layer. */
#ifndef USDT_ELF_FILE_H
#define USDT_ELF_FILE_H

#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct usdti_seg {
	__u64 vaddr;
	__u64 memsz;
	__u64 filesz; /* bytes the file holds; the rest of memsz is zero-filled (.bss) */
	__u64 offset;
	bool exec;
	bool writable;
};

struct usdti_sym_index; /* sorted by name, built on first lookup */

/*
 * Sections are read into memory (a mapping of a file its owner can truncate would be a
 * SIGBUS): none larger than this is read. It bounds a sparse file's cost too.
 */
#define USDTI_SECTION_MAX (128u << 20)

struct usdti_elf {
	int fd;
	Elf *elf;
	size_t file_size;
	int machine;   /* e_machine */
	int elf_class; /* ELFCLASS32 / ELFCLASS64 */
	int data;      /* ELFDATA2LSB / ELFDATA2MSB */
	int type;      /* e_type */
	size_t shstrndx;
	struct usdti_seg *segs; /* PT_LOAD segments */
	size_t seg_cnt;
	struct usdti_sym_index *syms;
};

/*
 * Opens and validates the ELF headers and PT_LOADs, reading with pread() only.
 * -ENOENT/-EACCES/-ENOEXEC (also: not a regular file)/-EFBIG/-ENOMEM.
 */
int usdti_elf_open(const char *path, struct usdti_elf *ef);
void usdti_elf_close(struct usdti_elf *ef);

/*
 * Done reading: the descriptor is closed (what was read stays, the rest can no longer be),
 * so that a file kept for its parsed notes holds no descriptor.
 */
void usdti_elf_done_reading(struct usdti_elf *ef);

/* The PT_LOAD containing vaddr whose executable flag equals exec, or NULL. */
const struct usdti_seg *usdti_elf_seg_of(const struct usdti_elf *ef, __u64 vaddr, bool exec);

/*
 * addr -> file offset through the segment that holds its bytes in the file (exec or not);
 * -ENOENT outside every segment, in a .bss tail or past the end of the file.
 */
int usdti_elf_vaddr_to_offset(const struct usdti_elf *ef, __u64 vaddr, bool exec, __u64 *off);
/* The same through segment seg: -ENOENT unless seg holds vaddr's byte in the file. */
int usdti_elf_seg_offset(const struct usdti_elf *ef, const struct usdti_seg *seg, __u64 vaddr,
			 __u64 *off);

/*
 * 0 when the section's bytes may be read: -ENOEXEC when they lie past the end of the file,
 * -EFBIG over USDTI_SECTION_MAX.
 */
int usdti_elf_section_fits(const struct usdti_elf *ef, const GElf_Shdr *sh);

/* The section named name (first match), with its header; NULL when absent. */
Elf_Scn *usdti_elf_section(const struct usdti_elf *ef, const char *name, GElf_Shdr *shdr);

/*
 * Calls fn for every defined symbol of .symtab, then .dynsym (callers deduplicate).
 * Stops and returns fn's value when it is non-zero.
 */
typedef int (*usdti_sym_fn)(const char *name, const GElf_Sym *sym, void *ctx);
int usdti_elf_for_each_sym(const struct usdti_elf *ef, usdti_sym_fn fn, void *ctx);

/* st_value of the defined symbol name (.symtab preferred), or -ENOENT. */
int usdti_elf_sym_addr(struct usdti_elf *ef, const char *name, __u64 *addr);

#endif /* USDT_ELF_FILE_H */
