/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libusdt: SystemTap SDT (.note.stapsdt) probes parsed into sites and argument specs, and
 * attached with one uprobe_multi link per binary. Installed as <usdt/usdt.h>.
 *
 * Conventions, as in libbpf: functions return 0 or a negative errno (errno set as well);
 * constructors return NULL with errno set; messages go through usdt_set_print() only.
 */
#ifndef USDT_USDT_H
#define USDT_USDT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "print.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_object;
struct bpf_program;
struct usdt_uprobe_link;

#define USDT_MAX_ARGS 12

/* ---- argument specs ---------------------------------------------------------------------------
 */

enum usdt_arg_kind {
	USDT_ARG_CONST,	      /* value */
	USDT_ARG_REG,	      /* reg */
	USDT_ARG_MEM,	      /* *(reg + offset) */
	USDT_ARG_SIB,	      /* *(reg + index * scale + offset); reg may be NULL */
	USDT_ARG_RIP,	      /* *(symbol + offset), RIP/PC-relative global */
	USDT_ARG_UNSUPPORTED, /* reason */
};

/* A parsed argument: site->argv of a file opened with parse_args, which owns its strings. */
struct usdt_arg {
	enum usdt_arg_kind kind;
	int size;	    /* bytes; negative = signed */
	bool is_float;	    /* 'f' suffix or a floating-point register */
	long long value;    /* CONST */
	long long offset;   /* MEM, SIB, RIP: displacement */
	const char *reg;    /* canonical full-width base register ("rdi", "x3", "r9"), or NULL */
	const char *index;  /* SIB: canonical index register */
	int scale;	    /* SIB: 1, 2, 4 or 8 */
	const char *symbol; /* RIP: symbol name */
	__u64 sym_addr;	    /* RIP: resolved symbol virtual address (0 = unresolved) */
	const char *reason; /* UNSUPPORTED: why the BPF side cannot read it (static string) */
	const char *text;   /* the operand as written (without "SIZE@"), NUL-terminated */
};

/* The name of an arch ("x86_64", "aarch64", ...) from an ELF e_machine/class, or NULL. */
const char *usdt_arch_name(int e_machine, int elf_class);

/* "8 unsigned bytes in %rbx", "4 signed bytes at -20(%rbp)": into buf, returns its length. */
int usdt_arg_describe(const struct usdt_arg *arg, char *buf, size_t buf_sz);

/* ---- probe sites of one ELF file ------------------------------------------------------------ */

/* What the instructions at a site's PC are, read from the file. */
enum usdt_site_shape {
	USDT_SITE_NOP, /* a probe at the note's PC alone: <sys/sdt.h>'s nop, or bytes not known */
	/* <usdt/probe.h> on x86-64: nop; lea -128(%rsp),%rsp; nop5; lea 128(%rsp),%rsp */
	USDT_SITE_NOP5,
};

struct usdt_site {
	const char *provider;
	const char *name;
	const char *args;      /* raw argument string */
	__u64 address;	       /* note PC, with the .stapsdt.base (prelink) compensation */
	__u64 file_offset;     /* what uprobes take */
	__u64 sema_address;    /* 0 = no semaphore */
	__u64 sema_offset;     /* file offset of the semaphore, 0 = none */
	int arg_cnt;	       /* -1 when args could not be split */
	struct usdt_arg *argv; /* arg_cnt parsed arguments; NULL unless opts->parse_args */
	const char *error; /* non-NULL: the site itself is unusable (e.g. PC outside segments) */
	enum usdt_site_shape shape;
};

/* Where a site's uprobe goes. */
struct usdt_placement {
	__u64 address;	   /* the probed instruction */
	__u64 file_offset; /* the same, as uprobes take it */
	/* how far the stack pointer there is below the note's: %rsp-based operands add it */
	int sp_bias;
	bool nop5; /* on the nop5 of a USDT_SITE_NOP5 site, which the kernel turns into a call */
};

/*
 * Where usdt_attach() probes site: the nop5 of a USDT_SITE_NOP5 site when optimized (the
 * kernel has optimized uprobes: usdt_feature_probe(USDT_FEAT_UPROBE_SYSCALL) > 0), else
 * the note's PC. 0, or -EINVAL for a site with an error.
 */
int usdt_site__placement(const struct usdt_site *site, bool optimized, struct usdt_placement *p);

struct usdt_file;

struct usdt_file_opts {
	size_t sz;
	/* parse each site's argument string (list -v, attach); skipping it makes listing faster */
	bool parse_args;
	/* group the sites by probe: usdt_file__probe_cnt() and the functions after it */
	bool group_probes;
	size_t : 0;
};
#define usdt_file_opts__last_field group_probes

/*
 * Opens an ELF file and reads its .note.stapsdt notes. A file without notes is not an error
 * (zero sites). Errors: -ENOENT/-EACCES (open), -ENOEXEC (not ELF, truncated or malformed
 * headers, notes past their section), -ENOMEM.
 */
struct usdt_file *usdt_file__open(const char *path, const struct usdt_file_opts *opts);
void usdt_file__close(struct usdt_file *file);

const char *usdt_file__path(const struct usdt_file *file);
const char *usdt_file__arch(const struct usdt_file *file);
int usdt_file__machine(const struct usdt_file *file); /* e_machine */
int usdt_file__class(const struct usdt_file *file);   /* ELFCLASS32 or ELFCLASS64 */
size_t usdt_file__site_cnt(const struct usdt_file *file);
/* Sites in note order. */
const struct usdt_site *usdt_file__site(const struct usdt_file *file, size_t idx);

/*
 * The file's probes (its sites grouped by provider:name), when opened with group_probes:
 * probes in order of first appearance, a probe's sites in note order. 0 probes otherwise.
 */
size_t usdt_file__probe_cnt(const struct usdt_file *file);
/* The number of sites of probe idx (0 with errno ENOENT for no such probe). */
size_t usdt_file__probe_site_cnt(const struct usdt_file *file, size_t probe);
/* Site k of probe idx, or NULL with errno ENOENT. */
const struct usdt_site *usdt_file__probe_site(const struct usdt_file *file, size_t probe, size_t k);

/*
 * Matches "provider:name" against a glob pattern ("python:function__*", "*:*entry", "python"
 * alone = every probe of that provider). Returns true on a match. DTrace's spelling matches
 * too: a '-' (outside [...]) stands for "__" when the pattern as written does not match, so
 * "postgresql:query-start" matches query__start. The CLI's "usdt:PATH:provider:name" form is
 * split by its callers: pass only "provider:name".
 */
bool usdt_probe_match(const char *pattern, const char *provider, const char *name);

/* ---- targets -------------------------------------------------------------------------------- */

/*
 * Calls fn once for every distinct file (device and inode) mapped executable by pid, with
 * the path to open and the path as the process sees it (inside its root: a container's or a
 * chroot's view). open_path is "/proc/self/fd/N", a descriptor of the very file the process
 * maps (never a file a planted symlink names), open only while fn runs: open open_path again
 * to keep the file. Files unmapped or replaced meanwhile are left out.
 * Returns 0, the first non-zero value fn returned, or -errno (-ESRCH: no such process).
 */
typedef int (*usdt_object_fn)(const char *open_path, const char *proc_path, void *ctx);
int usdt_pid_objects(pid_t pid, usdt_object_fn fn, void *ctx);

/*
 * Calls fn with the path of every shared object the dynamic loader would load for the ELF
 * file path: its DT_NEEDED closure, breadth first as ld.so maps it, each file once, then its
 * program interpreter; resolved from the files alone (nothing is run) as glibc's loader does:
 * DT_RPATH (of the requester and its loaders), LD_LIBRARY_PATH, DT_RUNPATH ($ORIGIN
 * expanded), /etc/ld.so.cache, the system directories; files of another ELF class or machine
 * are passed over, names found nowhere left out. None for a static file.
 * Returns 0, fn's first non-zero value, or -errno (-ENOENT, -ENOEXEC: path itself; -E2BIG:
 * more than 4,096 objects, or 65,536 files tried, as a hostile file's names and RPATHs can ask:
 * fn had the objects found until then).
 */
struct usdt_needed_opts {
	size_t sz;
	/* searched as LD_LIBRARY_PATH (':'-separated); NULL: none */
	const char *library_path;
	size_t : 0;
};
#define usdt_needed_opts__last_field library_path

typedef int (*usdt_needed_fn)(const char *path, void *ctx);
int usdt_needed_objects(const char *path, const struct usdt_needed_opts *opts, usdt_needed_fn fn,
			void *ctx);

/* ---- attach --------------------------------------------------------------------------------- */

struct usdt_manager;

struct usdt_manager_opts {
	size_t sz;
	/* argument-spec table entries (the __usdt_specs map); 0 = 256 */
	size_t max_specs;
	size_t : 0;
};
#define usdt_manager_opts__last_field max_specs

/*
 * One manager per BPF object that includes <usdt/usdt.bpf.h>: owns the spec table (the
 * __usdt_specs map). Create it before bpf_object__load(), which it sizes the map for.
 */
struct usdt_manager *usdt_manager__new(struct bpf_object *obj,
				       const struct usdt_manager_opts *opts);
/* Destroy the manager's links first: they return their spec ids to it. Safe on NULL. */
void usdt_manager__free(struct usdt_manager *man);

struct usdt_attach_opts {
	size_t sz;
	__u64 cookie;	     /* what usdt_cookie(ctx) returns on the BPF side */
	bool skip_bad_sites; /* skip (with a warning) sites whose args or semaphore are bad */
	/* more globs, same link: a site is attached when it matches probe_glob or any of these */
	const char *const *extra_globs;
	size_t extra_glob_cnt;
	/* every site at the note's PC, as where the kernel lacks optimized uprobes */
	bool no_nop5;
	size_t : 0;
};
#define usdt_attach_opts__last_field no_nop5

struct usdt_link;

/*
 * Attaches prog to every site of binary_path whose provider:name matches probe_glob, in one
 * uprobe_multi link (one perf_event link per site on the legacy path). pid as in
 * usdt_attach_uprobe_multi(). Errors: -ENOENT (no matching probe), -EINVAL (a bad site, named
 * through the print callback, unless skip_bad_sites), -E2BIG (spec table full).
 */
struct usdt_link *usdt_attach(struct usdt_manager *man, const struct bpf_program *prog, pid_t pid,
			      const char *binary_path, const char *probe_glob,
			      const struct usdt_attach_opts *opts);
/*
 * Attach plans: what usdt_attach() would attach, known before any BPF object is loaded (to
 * size its maps), then attached from the same open file, whose notes are read once.
 */
struct usdt_plan;

/*
 * The sites of file whose provider:name matches one of glob_cnt globs (copied). file must be
 * opened with parse_args and group_probes, and stay open as long as the plan. NULL with errno
 * set (EINVAL, ENOMEM).
 */
struct usdt_plan *usdt_plan__new(struct usdt_file *file, const char *const *globs, size_t glob_cnt);
void usdt_plan__free(struct usdt_plan *plan);
/* The sites and probes selected (bad sites included: attaching skips or refuses them). */
size_t usdt_plan__site_cnt(const struct usdt_plan *plan);
size_t usdt_plan__probe_cnt(const struct usdt_plan *plan);
/*
 * usdt_attach() of the plan's sites, in the file the plan was made from (as it was opened:
 * its path). opts as usdt_attach()'s, without extra_globs (the plan's globs select).
 */
struct usdt_link *usdt_plan__attach(const struct usdt_plan *plan, struct usdt_manager *man,
				    const struct bpf_program *prog, pid_t pid,
				    const struct usdt_attach_opts *opts);

/* Detaches, then releases the link's spec ids for reuse. Safe on NULL. */
int usdt_link__destroy(struct usdt_link *link);
size_t usdt_link__site_cnt(const struct usdt_link *link);
size_t usdt_link__probe_cnt(const struct usdt_link *link);
/*
 * The probe ids of the link's sites (what usdt_probe_id() returns on the BPF side for them):
 * *cnt distinct ids, in the note order of each probe's first site attached. The array lives
 * as long as the link.
 */
const __u32 *usdt_link__probe_ids(const struct usdt_link *link, size_t *cnt);
const struct usdt_uprobe_link *usdt_link__uprobe_link(const struct usdt_link *link);

/* What a probe id (usdt_probe_id() on the BPF side) stands for. */
struct usdt_probe_info {
	const char *path;
	const char *provider;
	const char *name;
	int arg_cnt; /* of its first site */
};
int usdt_manager__probe_info(const struct usdt_manager *man, __u32 probe_id,
			     struct usdt_probe_info *info);

#ifdef __cplusplus
}
#endif

#endif /* USDT_USDT_H */
