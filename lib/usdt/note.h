/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Internal: the usdt_file object and the .note.stapsdt parser behind it. The attach layer may
 * reach the open ELF (segments, symbols) through file->ef.
 */
#ifndef USDT_NOTE_H
#define USDT_NOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "arg.h"
#include "elf_file.h"
#include "hashmap.h"
#include "mem.h"
#include "usdt.h"

struct usdt_file {
	char *path;
	struct usdti_elf ef; /* kept open: site strings point into its note data */
	struct usdt_site *sites;
	size_t site_cnt;
	struct usdti_arena *arena; /* parsed arguments and their text */
	bool parsed_args;	   /* usdt_file_opts.parse_args: sites have their argv */
	/* with usdt_file_opts.group_probes: probe p's sites are sites[probe_order[probe_start[p]
	 * .. probe_start[p + 1])] */
	__u32 *probe_order;
	__u32 *probe_start;
	size_t probe_cnt;
};

/* Groups file->sites by probe (lib/usdt/probes.c): 0 or -ENOMEM. */
int usdti_file_group_probes(struct usdt_file *file);

/* The ELF at path, notes not read yet (see usdti_notes_*); NULL with errno set. */
struct usdt_file *usdti_file_open(const char *path);

/*
 * Warnings about the sites of one walk: a hostile file can hold 100,000 bad ones. The first
 * USDTI_SITE_WARN_MAX are named one by one, the others counted in one closing line.
 */
#define USDTI_SITE_WARN_MAX 10

/*
 * Where the registers of each of a site's arguments are: a walk or a usdt_file parses argv
 * into its arena with them right after it, one block (argv[arg_cnt], then the registers).
 */
static inline const struct usdti_arg_regs *usdti_argv_regs(const struct usdt_arg *argv, int arg_cnt)
{
	return (const struct usdti_arg_regs *)(argv + arg_cnt);
}

/* A distinct argument string and its parse, shared by every site with that string. */
struct usdti_parsed_args {
	const char *args;
	struct usdt_arg *argv;
	int arg_cnt;
};

/*
 * A walk over the notes of an open file, one site at a time with nothing kept per site:
 * attach reads 50,000 sites without writing 4 MB of them. Site strings point into the note
 * data; a string equal to the previous site's is the same pointer.
 */
struct usdti_notes {
	struct usdt_file *file;
	const unsigned char *data;
	size_t size, off, idx; /* idx: the next note's index, for messages */
	bool big_endian;
	size_t word_sz;			/* 4 for ELF32, 8 for ELF64 */
	__u64 base_addr;		/* sh_addr of .stapsdt.base, 0 when absent */
	size_t max_sites;		/* what the section can hold */
	const struct usdti_seg *pc_seg; /* the last site's segment */
	bool quiet;			/* a walk over sites already reported: no warnings */
	size_t site_errors;		/* sites with an error (warned about unless quiet) */
	char *scratch;			/* where usdti_arg_parse() works */
	size_t scratch_sz;
	struct usdti_parsed_args *parsed; /* distinct argument strings, parsed */
	size_t parsed_cap, parsed_cnt;
	struct usdti_hashmap parsed_index; /* their hashes */
	struct usdt_site prev;		   /* the previous site's strings */
	const unsigned char *prev_strs;
	size_t prev_strs_len;
	const char *last_args; /* the last site given arguments, and what it got */
	struct usdt_arg *last_argv;
	int last_arg_cnt;
	bool last_parsed;
};

/* 0 (no section: no sites), or -ENOEXEC when the section lies outside the file. */
int usdti_notes_begin(struct usdti_notes *walk, struct usdt_file *file);
/*
 * The next site into *site, arguments not read: 1, 0 at the end, -ENOEXEC on a malformed
 * note. A site the kernel cannot probe (PC or semaphore outside the file) has site->error.
 */
int usdti_notes_next(struct usdti_notes *walk, struct usdt_site *site);
/*
 * site->arg_cnt (-1 when the string cannot be split) and, with parse, site->argv, parsed into
 * the file's arena. 0 or -ENOMEM.
 */
int usdti_notes_args(struct usdti_notes *walk, struct usdt_site *site, bool parse);
/*
 * Frees what the walk holds, after the count of the sites with an error it did not name; a
 * walk ended (or zeroed) before may be ended again.
 */
void usdti_notes_end(struct usdti_notes *walk);

/*
 * Reads every site into file->sites, with parse_args their arguments too. 0 with no sites
 * when the section is absent; -ENOEXEC on a malformed note, -ENOMEM.
 */
int usdti_notes_parse(struct usdt_file *file, bool parse_args);

#endif /* USDT_NOTE_H */
