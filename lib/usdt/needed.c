// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The shared objects a program loads: its DT_NEEDED closure, resolved as glibc's ld.so does,
 * read from the files alone (nothing is run: "ld.so --list" would run the program's own
 * PT_INTERP). Per name: an object already loaded under that name or SONAME; a name with '/'
 * as it is; else DT_RPATH of the requester and of its loaders up to the program (for objects
 * without DT_RUNPATH), LD_LIBRARY_PATH, the requester's DT_RUNPATH, /etc/ld.so.cache, the
 * system directories; a file of another ELF class or machine is passed over. Left out, as
 * rare: glibc-hwcaps subdirectories, $LIB and $PLATFORM, setuid rules.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_file.h"
#include "log.h"
#include "mem.h"
#include "opts.h"
#include "path.h"
#include "usdt.h"

#define LD_SO_CACHE    "/etc/ld.so.cache"
#define CACHE_MAGIC    "glibc-ld.so.cache1.1"
#define CACHE_HDR_SZ   48 /* magic, nlibs, len_strings, flags, extension offset, unused */
#define CACHE_ENT_SZ   24 /* flags, key, value, osversion, hwcap */
#define FLAG_LIBC6     3  /* FLAG_ELF_LIBC6, in the low byte of an entry's flags */
/* a hostile file's lists stop here: the loader has no such limits, real programs stay far below */
#define OBJECTS_MAX    4096 /* objects in the closure */
#define NEEDED_MAX     1024 /* DT_NEEDED entries of one object */
#define DIRS_MAX       256  /* directories of one RPATH, RUNPATH or LD_LIBRARY_PATH */
/* files tried in all: names x directories x loaders could otherwise ask for billions */
#define OPENS_MAX      65536
#define CACHE_SIZE_MAX (64u << 20)

struct needed_obj {
	char *path;
	char *name;   /* the DT_NEEDED name it was loaded as; NULL for the program */
	char *soname; /* or NULL */
	char **needed;
	size_t needed_cnt;
	char *rpath, *runpath; /* raw, or NULL */
	bool nodeflib;
	size_t loader; /* the object whose DT_NEEDED loaded it */
	dev_t dev;
	ino_t ino;
};

struct needed_walk {
	struct needed_obj *v;
	size_t cnt, cap;
	int machine, elf_class; /* the program's: a library must have the same */
	const char *library_path;
	char *cache; /* /etc/ld.so.cache, read on first use; "" when unreadable */
	size_t cache_sz;
	char sys_dirs[160]; /* usdti_system_lib_dirs() */
	size_t opens;	    /* files tried, up to OPENS_MAX */
};

/* ---- one object's dynamic section --------------------------------------------------------- */

static char *dup_str(const char *strtab, size_t strsz, __u64 off)
{
	if (off >= strsz || !memchr(strtab + off, '\0', strsz - off))
		return NULL;
	return strdup(strtab + off);
}

static int find_phdr(const struct usdti_elf *ef, __u32 type, GElf_Phdr *out)
{
	size_t phnum;

	if (elf_getphdrnum(ef->elf, &phnum))
		return -ENOEXEC;
	for (size_t i = 0; i < phnum; i++) {
		if (gelf_getphdr(ef->elf, i, out) && out->p_type == type)
			return 0;
	}
	return -ENOENT;
}

/* DT_STRTAB's bytes: a vaddr, turned into a file offset through the PT_LOADs. */
static Elf_Data *read_strtab(const struct usdti_elf *ef, __u64 vaddr, __u64 size)
{
	__u64 off;

	if (!size || size > USDTI_SECTION_MAX ||
	    usdti_elf_vaddr_to_offset(ef, vaddr, false, &off) || off > ef->file_size ||
	    size > ef->file_size - off)
		return NULL;
	return elf_getdata_rawchunk(ef->elf, off, size, ELF_T_BYTE);
}

static int add_needed(struct needed_obj *o, char *name)
{
	char **n;

	if (!name || o->needed_cnt >= NEEDED_MAX) {
		free(name); /* outside DT_STRTAB: nothing the loader could load either */
		return 0;
	}
	n = realloc(o->needed, (o->needed_cnt + 1) * sizeof(*n));
	if (!n) {
		free(name);
		return -ENOMEM;
	}
	o->needed = n;
	o->needed[o->needed_cnt++] = name;
	return 0;
}

static int read_dynamic(const struct usdti_elf *ef, struct needed_obj *o)
{
	__u64 strtab = 0, strsz = 0;
	Elf_Data *dyn, *str;
	GElf_Phdr ph;
	size_t cnt;
	int err = find_phdr(ef, PT_DYNAMIC, &ph);

	if (err)
		return err == -ENOENT ? 0 : err; /* static */
	if (ph.p_offset > ef->file_size || ph.p_filesz > ef->file_size - ph.p_offset ||
	    ph.p_filesz > USDTI_SECTION_MAX)
		return -ENOEXEC;
	dyn = elf_getdata_rawchunk(ef->elf, ph.p_offset, ph.p_filesz, ELF_T_DYN);
	if (!dyn)
		return -ENOEXEC;
	cnt = ph.p_filesz / gelf_fsize(ef->elf, ELF_T_DYN, 1, EV_CURRENT);
	for (size_t i = 0; i < cnt; i++) {
		GElf_Dyn d;

		if (!gelf_getdyn(dyn, i, &d) || d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_STRTAB)
			strtab = d.d_un.d_ptr;
		else if (d.d_tag == DT_STRSZ)
			strsz = d.d_un.d_val;
		else if (d.d_tag == DT_FLAGS_1 && (d.d_un.d_val & DF_1_NODEFLIB))
			o->nodeflib = true;
	}
	str = read_strtab(ef, strtab, strsz);
	if (!str)
		return -ENOEXEC;
	for (size_t i = 0; i < cnt && !err; i++) {
		GElf_Dyn d;

		if (!gelf_getdyn(dyn, i, &d) || d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_NEEDED)
			err = add_needed(o, dup_str(str->d_buf, str->d_size, d.d_un.d_val));
		else if (d.d_tag == DT_SONAME && !o->soname)
			o->soname = dup_str(str->d_buf, str->d_size, d.d_un.d_val);
		else if (d.d_tag == DT_RPATH && !o->rpath)
			o->rpath = dup_str(str->d_buf, str->d_size, d.d_un.d_val);
		else if (d.d_tag == DT_RUNPATH && !o->runpath)
			o->runpath = dup_str(str->d_buf, str->d_size, d.d_un.d_val);
	}
	return err;
}

/* ---- the objects loaded so far ------------------------------------------------------------- */

static void obj_free(struct needed_obj *o)
{
	for (size_t i = 0; i < o->needed_cnt; i++)
		free(o->needed[i]);
	free(o->needed);
	free(o->path);
	free(o->name);
	free(o->soname);
	free(o->rpath);
	free(o->runpath);
}

static bool loaded_as(const struct needed_walk *w, const char *name)
{
	for (size_t i = 0; i < w->cnt; i++) {
		const struct needed_obj *o = &w->v[i];

		if ((o->name && !strcmp(o->name, name)) ||
		    (o->soname && !strcmp(o->soname, name)) || !strcmp(o->path, name))
			return true;
	}
	return false;
}

/*
 * Loads the object at path (requested as name by loader) unless its file is loaded already.
 * 0 when loaded or already there; -ENOEXEC/-ENOENT when it is no object of the program's
 * class and machine (the search goes on).
 */
static int load(struct needed_walk *w, const char *path, const char *name, size_t loader)
{
	struct needed_obj o = {.loader = loader};
	struct usdti_elf ef;
	struct stat st;
	int err;

	if (++w->opens > OPENS_MAX)
		return -E2BIG;
	/* the identity of the file opened, not of the path before (a directory may be hostile's) */
	err = usdti_elf_open(path, &ef);
	if (err == -ENOENT)
		return err;
	if (err)
		return err == -ENOMEM ? err : -ENOEXEC;
	if (fstat(ef.fd, &st)) {
		usdti_elf_close(&ef);
		return -ENOEXEC;
	}
	for (size_t i = 0; i < w->cnt; i++) {
		if (w->v[i].dev == st.st_dev && w->v[i].ino == st.st_ino) {
			usdti_elf_close(&ef);
			return 0;
		}
	}
	if (w->cnt >= OBJECTS_MAX) {
		usdti_elf_close(&ef);
		return -E2BIG;
	}
	if (w->cnt && (ef.machine != w->machine || ef.elf_class != w->elf_class)) {
		usdti_elf_close(&ef);
		return -ENOEXEC;
	}
	w->machine = ef.machine;
	w->elf_class = ef.elf_class;
	o.dev = st.st_dev;
	o.ino = st.st_ino;
	err = read_dynamic(&ef, &o);
	usdti_elf_close(&ef);
	o.path = strdup(path);
	o.name = name ? strdup(name) : NULL;
	if (!err && (!o.path || (name && !o.name)))
		err = -ENOMEM;
	if (!err && usdti_ensure_mem((void **)&w->v, &w->cap, sizeof(*w->v), w->cnt + 1, 16))
		err = -ENOMEM;
	if (err) {
		obj_free(&o);
		return err == -ENOMEM ? err : -ENOEXEC;
	}
	w->v[w->cnt++] = o;
	return 0;
}

/* ---- the search ---------------------------------------------------------------------------- */

/* dir (len bytes; $ORIGIN and ${ORIGIN} expanded to origin) + "/" + name into buf. */
static int expand(const char *dir, size_t len, const char *origin, const char *name, char *buf,
		  size_t sz)
{
	size_t k = 0;

	for (size_t i = 0; i < len;) {
		const char *tok = NULL;

		if (!strncmp(dir + i, "$ORIGIN", 7) &&
		    (i + 7 >= len || (dir[i + 7] != '_' && !isalnum((unsigned char)dir[i + 7]))))
			tok = "$ORIGIN";
		else if (!strncmp(dir + i, "${ORIGIN}", 9))
			tok = "${ORIGIN}";
		else if (dir[i] == '$')
			return -EINVAL; /* $LIB, $PLATFORM: not resolved here */
		if (tok) {
			size_t olen = strlen(origin);

			if (k + olen >= sz)
				return -ENAMETOOLONG;
			memcpy(buf + k, origin, olen);
			k += olen;
			i += strlen(tok);
			continue;
		}
		if (k + 1 >= sz)
			return -ENAMETOOLONG;
		buf[k++] = dir[i++];
	}
	if (snprintf(buf + k, sz - k, "%s%s", k && name[0] ? "/" : "", name) >= (int)(sz - k))
		return -ENAMETOOLONG;
	return 0;
}

/* The directory of obj's path (of the program: of its real path, as /proc/self/exe is). */
static void origin_of(const struct needed_obj *o, bool program, char *buf, size_t sz)
{
	char *slash;

	if (!program || !realpath(o->path, buf))
		snprintf(buf, sz, "%s", o->path);
	slash = strrchr(buf, '/');
	if (slash)
		*(slash == buf ? slash + 1 : slash) = '\0';
	else
		snprintf(buf, sz, ".");
}

/* Tries each directory of a ':'-separated list (of object from, for $ORIGIN). */
static int search(struct needed_walk *w, const char *dirs, size_t from, const char *name,
		  size_t loader)
{
	char origin[PATH_MAX], path[PATH_MAX];
	bool have_origin = false;
	size_t n = 0;

	for (const char *s = dirs; s && *s && n++ < DIRS_MAX;) {
		const char *end = strchr(s, ':') ?: s + strlen(s);
		int err;

		if (from != SIZE_MAX && !have_origin && memchr(s, '$', end - s)) {
			origin_of(&w->v[from], from == 0, origin, sizeof(origin));
			have_origin = true;
		}
		/* an empty entry is the working directory, as for the loader */
		err = expand(s, end - s, have_origin ? origin : "", name, path, sizeof(path));
		if (!err && (err = load(w, path, name, loader)) != -ENOENT && err != -ENOEXEC)
			return err;
		s = *end ? end + 1 : end;
	}
	return -ENOENT;
}

static void read_cache(struct needed_walk *w)
{
	int fd = open(LD_SO_CACHE, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	w->cache = "";
	if (fd < 0)
		return;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > CACHE_HDR_SZ &&
	    st.st_size < CACHE_SIZE_MAX) {
		char *buf = malloc(st.st_size + 1);

		if (buf && pread(fd, buf, st.st_size, 0) == st.st_size) {
			buf[st.st_size] = '\0'; /* every string in it ends */
			w->cache = buf;
			w->cache_sz = st.st_size;
		} else {
			free(buf);
		}
	}
	close(fd);
}

static __u32 cache_u32(const struct needed_walk *w, size_t off)
{
	__u32 v;

	memcpy(&v, w->cache + off, sizeof(v));
	return v;
}

/* The new cache format (glibc 2.32+ writes only that): entries with offsets into the file. */
static int search_cache(struct needed_walk *w, const char *name, size_t loader)
{
	size_t nlibs;

	if (!w->cache)
		read_cache(w);
	if (w->cache_sz < CACHE_HDR_SZ || memcmp(w->cache, CACHE_MAGIC, strlen(CACHE_MAGIC)))
		return -ENOENT;
	nlibs = cache_u32(w, 20);
	if (nlibs > (w->cache_sz - CACHE_HDR_SZ) / CACHE_ENT_SZ)
		return -ENOENT;
	for (size_t i = 0; i < nlibs; i++) {
		size_t ent = CACHE_HDR_SZ + i * CACHE_ENT_SZ;
		__u32 flags = cache_u32(w, ent), key = cache_u32(w, ent + 4);
		__u32 value = cache_u32(w, ent + 8);
		__u64 hwcap;
		int err;

		memcpy(&hwcap, w->cache + ent + 16, sizeof(hwcap));
		/* glibc-hwcaps entries are for CPUs that have them: the baseline one is taken */
		if ((flags & 0xff) != FLAG_LIBC6 || hwcap || key >= w->cache_sz ||
		    value >= w->cache_sz || strcmp(w->cache + key, name))
			continue;
		err = load(w, w->cache + value, name, loader);
		if (err != -ENOENT && err != -ENOEXEC)
			return err;
	}
	return -ENOENT;
}

static bool has_dst(const char *s)
{
	return strchr(s, '$') != NULL;
}

/* Finds and loads name, needed by object req. -ENOENT when it is nowhere. */
static int resolve(struct needed_walk *w, size_t req, const char *name)
{
	char path[PATH_MAX];
	int err = -ENOENT;

	if (loaded_as(w, name))
		return 0;
	if (strchr(name, '/')) {
		if (has_dst(name))
			return search(w, name, req, "", req) == -ENOENT ? -ENOENT : 0;
		snprintf(path, sizeof(path), "%s", name);
		return load(w, path, name, req) == -ENOMEM ? -ENOMEM : 0;
	}
	if (!w->v[req].runpath) {
		for (size_t l = req;; l = w->v[l].loader) {
			if (!w->v[l].runpath && w->v[l].rpath)
				err = search(w, w->v[l].rpath, l, name, req);
			if (err != -ENOENT || !l)
				break;
		}
	}
	if (err == -ENOENT && w->library_path)
		err = search(w, w->library_path, SIZE_MAX, name, req);
	if (err == -ENOENT && w->v[req].runpath)
		err = search(w, w->v[req].runpath, req, name, req);
	if (err == -ENOENT && !w->v[req].nodeflib)
		err = search_cache(w, name, req);
	if (err == -ENOENT && !w->v[req].nodeflib)
		err = search(w, w->sys_dirs, SIZE_MAX, name, req);
	if (err == -ENOENT)
		pr_debug("%s: needed '%s' not found\n", w->v[req].path, name);
	return err;
}

/* PT_INTERP of the program, loaded first under its SONAME so libc's DT_NEEDED finds it. */
static int load_interp(struct needed_walk *w, const char *program)
{
	char interp[PATH_MAX];
	struct usdti_elf ef;
	GElf_Phdr ph;
	ssize_t n;
	int err = usdti_elf_open(program, &ef);

	if (err)
		return err;
	err = find_phdr(&ef, PT_INTERP, &ph);
	if (!err && (!ph.p_filesz || ph.p_filesz >= sizeof(interp)))
		err = -ENOEXEC;
	if (!err) {
		n = pread(ef.fd, interp, ph.p_filesz, ph.p_offset);
		err = n == (ssize_t)ph.p_filesz ? 0 : -ENOEXEC;
	}
	usdti_elf_close(&ef);
	if (err)
		return err == -ENOENT ? 0 : err; /* static, or a library */
	interp[ph.p_filesz] = '\0';
	err = load(w, interp, NULL, 0);
	return err == -ENOMEM ? err : 0;
}

int usdt_needed_objects(const char *path, const struct usdt_needed_opts *opts, usdt_needed_fn fn,
			void *ctx)
{
	struct needed_walk w = {.library_path = OPTS_GET(opts, library_path, NULL)};
	size_t first = 1, interp = 0;
	bool big;
	int err;

	if (!path || !fn || !OPTS_VALID(opts, usdt_needed_opts))
		return usdti_err(-EINVAL);
	usdti_system_lib_dirs(w.sys_dirs, sizeof(w.sys_dirs));
	err = load(&w, path, NULL, 0);
	if (err)
		err = err == -ENOENT ? -ENOENT : err == -ENOMEM ? -ENOMEM : -ENOEXEC;
	if (!err && w.v[0].needed_cnt) {
		err = load_interp(&w, path);
		interp = w.cnt > 1 ? 1 : 0;
		first = w.cnt;
	}
	/* breadth first, as the loader maps them */
	for (size_t i = 0; !err && i < w.cnt; i++) {
		for (size_t k = 0; !err && k < w.v[i].needed_cnt; k++) {
			err = resolve(&w, i, w.v[i].needed[k]);
			err = err == -ENOENT ? 0 : err;
		}
	}
	/* past a limit, what was found is still passed on, and the limit returned */
	big = err == -E2BIG;
	err = big ? 0 : err;
	for (size_t i = first; !err && i < w.cnt; i++)
		err = fn(w.v[i].path, ctx);
	if (!err && interp)
		err = fn(w.v[interp].path, ctx);
	if (!err && big)
		err = -E2BIG;
	for (size_t i = 0; i < w.cnt; i++)
		obj_free(&w.v[i]);
	free(w.v);
	if (w.cache_sz)
		free(w.cache);
	return err < 0 ? usdti_err(err) : err;
}
