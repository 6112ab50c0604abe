// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* usdt_file: one ELF file and its probe sites. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "note.h"
#include "opts.h"

static bool opt_parse_args(const struct usdt_file_opts *opts)
{
	return OPTS_GET(opts, parse_args, false);
}

struct usdt_file *usdti_file_open(const char *path)
{
	struct usdt_file *file = calloc(1, sizeof(*file));
	int err;

	if (!file || !(file->path = strdup(path))) {
		free(file);
		errno = ENOMEM;
		return NULL;
	}
	err = usdti_elf_open(path, &file->ef);
	if (err) {
		pr_debug("%s: cannot open as ELF: %s\n", path, strerror(-err));
		usdt_file__close(file);
		errno = -err;
		return NULL;
	}
	return file;
}

struct usdt_file *usdt_file__open(const char *path, const struct usdt_file_opts *opts)
{
	struct usdt_file *file;
	int err;

	if (!path || !OPTS_VALID(opts, usdt_file_opts)) {
		errno = EINVAL;
		return NULL;
	}
	file = usdti_file_open(path);
	if (!file)
		return NULL;
	file->parsed_args = opt_parse_args(opts);
	err = usdti_notes_parse(file, file->parsed_args);
	if (!err && OPTS_GET(opts, group_probes, false))
		err = usdti_file_group_probes(file);
	if (err) {
		usdt_file__close(file);
		errno = -err;
		return NULL;
	}
	/* the sites hold all they need: a file kept open holds no descriptor */
	usdti_elf_done_reading(&file->ef);
	pr_debug("%s: %zu probe sites\n", path, file->site_cnt);
	return file;
}

void usdt_file__close(struct usdt_file *file)
{
	if (!file)
		return;
	usdti_arena_free(file->arena);
	free(file->sites);
	free(file->probe_order);
	free(file->probe_start);
	usdti_elf_close(&file->ef); /* a no-op after a failed usdti_elf_open() */
	free(file->path);
	free(file);
}

const char *usdt_file__path(const struct usdt_file *file)
{
	return file->path;
}

const char *usdt_file__arch(const struct usdt_file *file)
{
	return usdt_arch_name(file->ef.machine, file->ef.elf_class);
}

int usdt_file__machine(const struct usdt_file *file)
{
	return file->ef.machine;
}

int usdt_file__class(const struct usdt_file *file)
{
	return file->ef.elf_class;
}

size_t usdt_file__site_cnt(const struct usdt_file *file)
{
	return file->site_cnt;
}

const struct usdt_site *usdt_file__site(const struct usdt_file *file, size_t idx)
{
	if (idx >= file->site_cnt) {
		errno = ENOENT;
		return NULL;
	}
	return &file->sites[idx];
}
