// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ELF access: headers, PT_LOAD segments, vaddr -> file offset, symbols. */
#include "elf_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"

struct sym_entry {
	const char *name;
	__u64 addr;
	size_t seq; /* .symtab entries come first: on equal names the lower seq wins */
};

struct usdti_sym_index {
	struct sym_entry *v;
	size_t cnt;
};

static int load_segments(struct usdti_elf *ef)
{
	size_t phnum, cap = 0;

	if (elf_getphdrnum(ef->elf, &phnum))
		return -ENOEXEC;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(ef->elf, i, &ph))
			return -ENOEXEC;
		if (ph.p_type != PT_LOAD)
			continue;
		if (usdti_ensure_mem((void **)&ef->segs, &cap, sizeof(*ef->segs), ef->seg_cnt + 1,
				     8))
			return -ENOMEM;
		ef->segs[ef->seg_cnt++] = (struct usdti_seg){
			.vaddr = ph.p_vaddr,
			.memsz = ph.p_memsz,
			.filesz = ph.p_filesz,
			.offset = ph.p_offset,
			.exec = ph.p_flags & PF_X,
			.writable = ph.p_flags & PF_W,
		};
	}
	return 0;
}

/*
 * libelf quietly shrinks header tables that run past the end of the file (to nothing for
 * sections): check the counts the header claims. Extended numbering (counts stored in
 * section 0) is taken from libelf.
 */
static bool table_in_file(const struct usdti_elf *ef, __u64 off, size_t cnt, size_t entsize,
			  Elf_Type type)
{
	if (!cnt)
		return true;
	return entsize == gelf_fsize(ef->elf, type, 1, EV_CURRENT) && off <= ef->file_size &&
	       (ef->file_size - off) / entsize >= cnt;
}

static bool tables_in_file(const struct usdti_elf *ef, const GElf_Ehdr *eh)
{
	size_t shnum = eh->e_shnum, phnum = eh->e_phnum;

	if ((!shnum && eh->e_shoff && elf_getshdrnum(ef->elf, &shnum)) ||
	    (phnum == PN_XNUM && elf_getphdrnum(ef->elf, &phnum)))
		return false;
	return table_in_file(ef, eh->e_shoff, shnum, eh->e_shentsize, ELF_T_SHDR) &&
	       table_in_file(ef, eh->e_phoff, phnum, eh->e_phentsize, ELF_T_PHDR);
}

int usdti_elf_section_fits(const struct usdti_elf *ef, const GElf_Shdr *sh)
{
	if (sh->sh_type == SHT_NOBITS)
		return 0;
	if (sh->sh_offset > ef->file_size || sh->sh_size > ef->file_size - sh->sh_offset)
		return -ENOEXEC;
	return sh->sh_size > USDTI_SECTION_MAX ? -EFBIG : 0;
}

/* Every section lookup reads the section names whole. */
static int shstrtab_fits(const struct usdti_elf *ef)
{
	GElf_Shdr sh;

	if (!ef->shstrndx)
		return 0;
	if (!gelf_getshdr(elf_getscn(ef->elf, ef->shstrndx), &sh))
		return -ENOEXEC;
	return usdti_elf_section_fits(ef, &sh);
}

int usdti_elf_open(const char *path, struct usdti_elf *ef)
{
	size_t shnum;
	struct stat st;
	GElf_Ehdr eh;
	int err;

	memset(ef, 0, sizeof(*ef));
	ef->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	/* a FIFO would block the open: it is refused by its type instead */
	ef->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (ef->fd < 0)
		return -errno;
	if (fstat(ef->fd, &st)) {
		err = -errno;
		goto err;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -ENOEXEC;
		goto err;
	}
	ef->file_size = st.st_size;
	/* pread, no mmap: a file truncated while it is read gives an error, not a SIGBUS */
	ef->elf = elf_begin(ef->fd, ELF_C_READ, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF || !gelf_getehdr(ef->elf, &eh)) {
		err = -ENOEXEC;
		goto err;
	}
	ef->machine = eh.e_machine;
	ef->elf_class = gelf_getclass(ef->elf);
	ef->data = eh.e_ident[EI_DATA];
	ef->type = eh.e_type;
	/* libelf does not check that e_shstrndx names a section */
	if (!tables_in_file(ef, &eh) || elf_getshdrstrndx(ef->elf, &ef->shstrndx) ||
	    elf_getshdrnum(ef->elf, &shnum) || (ef->shstrndx && ef->shstrndx >= shnum)) {
		err = -ENOEXEC;
		goto err;
	}
	err = shstrtab_fits(ef);
	if (!err)
		err = load_segments(ef);
	if (err)
		goto err;
	return 0;
err:
	usdti_elf_close(ef);
	return err;
}

void usdti_elf_done_reading(struct usdti_elf *ef)
{
	if (ef->elf)
		elf_cntl(ef->elf, ELF_C_FDDONE);
	if (ef->fd >= 0)
		close(ef->fd);
	ef->fd = -1;
}

void usdti_elf_close(struct usdti_elf *ef)
{
	if (ef->syms) {
		free(ef->syms->v);
		free(ef->syms);
	}
	free(ef->segs);
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
	memset(ef, 0, sizeof(*ef));
	ef->fd = -1;
}

const struct usdti_seg *usdti_elf_seg_of(const struct usdti_elf *ef, __u64 vaddr, bool exec)
{
	for (size_t i = 0; i < ef->seg_cnt; i++) {
		const struct usdti_seg *s = &ef->segs[i];

		if (s->exec == exec && vaddr >= s->vaddr && vaddr - s->vaddr < s->memsz)
			return s;
	}
	return NULL;
}

int usdti_elf_seg_offset(const struct usdti_elf *ef, const struct usdti_seg *s, __u64 vaddr,
			 __u64 *off)
{
	/* only bytes the file holds: not a segment's .bss tail, nothing past the end */
	if (!s || vaddr - s->vaddr >= s->filesz || s->offset > ef->file_size ||
	    vaddr - s->vaddr >= ef->file_size - s->offset)
		return -ENOENT;
	*off = vaddr - s->vaddr + s->offset;
	return 0;
}

int usdti_elf_vaddr_to_offset(const struct usdti_elf *ef, __u64 vaddr, bool exec, __u64 *off)
{
	return usdti_elf_seg_offset(ef, usdti_elf_seg_of(ef, vaddr, exec), vaddr, off);
}

Elf_Scn *usdti_elf_section(const struct usdti_elf *ef, const char *name, GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, shdr))
			continue;
		n = elf_strptr(ef->elf, ef->shstrndx, shdr->sh_name);
		if (n && strcmp(n, name) == 0)
			return scn;
	}
	return NULL;
}

static int for_each_sym_in(const struct usdti_elf *ef, Elf_Scn *scn, const GElf_Shdr *sh,
			   usdti_sym_fn fn, void *ctx)
{
	Elf_Data *data;
	GElf_Shdr str;
	size_t cnt;

	/* a table too large to read is a table without symbols */
	if (usdti_elf_section_fits(ef, sh) ||
	    !gelf_getshdr(elf_getscn(ef->elf, sh->sh_link), &str) ||
	    usdti_elf_section_fits(ef, &str))
		return 0;
	data = elf_getdata(scn, NULL);
	if (!data || !sh->sh_entsize)
		return 0;
	cnt = data->d_size / sh->sh_entsize;
	for (size_t i = 1; i < cnt; i++) {
		const char *name;
		GElf_Sym sym;
		int ret;

		if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(ef->elf, sh->sh_link, sym.st_name);
		if (!name || !name[0])
			continue;
		ret = fn(name, &sym, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int usdti_elf_for_each_sym(const struct usdti_elf *ef, usdti_sym_fn fn, void *ctx)
{
	static const Elf64_Word types[] = {SHT_SYMTAB, SHT_DYNSYM};

	for (size_t t = 0; t < 2; t++) {
		Elf_Scn *scn = NULL;
		GElf_Shdr sh;

		while ((scn = elf_nextscn(ef->elf, scn))) {
			int ret;

			if (!gelf_getshdr(scn, &sh) || sh.sh_type != types[t])
				continue;
			ret = for_each_sym_in(ef, scn, &sh, fn, ctx);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int add_sym(const char *name, const GElf_Sym *sym, void *ctx)
{
	struct usdti_sym_index *idx = ctx;

	if ((idx->cnt & (idx->cnt - 1)) == 0) { /* grow at powers of two */
		struct sym_entry *n = realloc(idx->v, (idx->cnt ? idx->cnt * 2 : 64) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		idx->v = n;
	}
	idx->v[idx->cnt] = (struct sym_entry){name, sym->st_value, idx->cnt};
	idx->cnt++;
	return 0;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int usdti_elf_sym_addr(struct usdti_elf *ef, const char *name, __u64 *addr)
{
	struct usdti_sym_index *idx = ef->syms;
	size_t lo = 0, hi;

	if (!idx) {
		int err;

		idx = calloc(1, sizeof(*idx));
		if (!idx)
			return -ENOMEM;
		err = usdti_elf_for_each_sym(ef, add_sym, idx);
		if (err) {
			free(idx->v);
			free(idx);
			return err;
		}
		if (idx->cnt)
			qsort(idx->v, idx->cnt, sizeof(*idx->v), cmp_sym);
		ef->syms = idx;
	}
	hi = idx->cnt;
	while (lo < hi) { /* first entry not less than name */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(idx->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < idx->cnt && strcmp(idx->v[lo].name, name) == 0) {
		*addr = idx->v[lo].addr;
		return 0;
	}
	return -ENOENT;
}
