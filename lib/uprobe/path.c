// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Bare binary and library names -> paths, as libbpf's resolve_full_path() does, with the
 * library directories in the dynamic loader's order (libbpf tries /lib64 first).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "log.h"
#include "path.h"
#include "uprobe_multi.h"

/* uname machine -> Debian/Ubuntu multiarch triplet, for /usr/lib/<triplet> */
static const struct {
	const char *machine;
	const char *triplet;
} multiarch[] = {
	{"x86_64", "x86_64-linux-gnu"},
	{"aarch64", "aarch64-linux-gnu"},
	{"i686", "i386-linux-gnu"},
	{"i386", "i386-linux-gnu"},
	{"armv7l", "arm-linux-gnueabihf"},
	{"ppc64le", "powerpc64le-linux-gnu"},
	{"s390x", "s390x-linux-gnu"},
	{"riscv64", "riscv64-linux-gnu"},
	{"loongarch64", "loongarch64-linux-gnu"},
};

static bool is_library(const char *name)
{
	size_t len = strlen(name);

	return strstr(name, ".so.") || (len > 3 && strcmp(name + len - 3, ".so") == 0);
}

const char *usdti_system_lib_dirs(char *buf, size_t buf_sz)
{
	struct utsname u;
	char dir[64];

	snprintf(buf, buf_sz, "/lib64:/usr/lib64:/lib:/usr/lib");
	if (uname(&u))
		return buf;
	for (size_t i = 0; i < sizeof(multiarch) / sizeof(multiarch[0]); i++) {
		if (strcmp(u.machine, multiarch[i].machine))
			continue;
		snprintf(dir, sizeof(dir), "/lib/%s", multiarch[i].triplet);
		if (!access(dir, X_OK))
			snprintf(buf, buf_sz, "%s:/usr/lib/%s:/lib:/usr/lib", dir,
				 multiarch[i].triplet);
		break;
	}
	return buf;
}

/* dir/name into buf, made absolute against the working directory when dir is relative. */
static int join(const char *dir, size_t dir_len, const char *name, char *buf, size_t buf_sz)
{
	char cwd[PATH_MAX] = "";
	int n;

	if (dir[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return -errno;
	n = snprintf(buf, buf_sz, "%s%s%.*s/%s", cwd, cwd[0] ? "/" : "", (int)dir_len, dir, name);
	if (n < 0 || (size_t)n >= buf_sz)
		return -ENAMETOOLONG;
	return 0;
}

/* Tries every directory of a ':'-separated list; 0 when buf holds a usable file. */
static int search_dirs(const char *dirs, const char *name, int perm, char *buf, size_t buf_sz)
{
	for (const char *s = dirs; s && *s;) {
		const char *end = strchr(s, ':') ?: s + strlen(s);
		struct stat st;

		if (end > s && join(s, end - s, name, buf, buf_sz) == 0 &&
		    faccessat(AT_FDCWD, buf, perm, AT_EACCESS) == 0 && stat(buf, &st) == 0 &&
		    S_ISREG(st.st_mode))
			return 0;
		s = *end ? end + 1 : end;
	}
	return -ENOENT;
}

int usdt_resolve_binary_path(const char *name, char *buf, size_t buf_sz)
{
	const char *dirs[2] = {};
	char sys_dirs[160];
	int perm;

	if (!name || !name[0] || !buf || !buf_sz)
		return usdti_err(-EINVAL);
	if (strchr(name, '/')) {
		if (strlen(name) >= buf_sz)
			return usdti_err(-ENAMETOOLONG);
		strcpy(buf, name);
		return 0;
	}
	if (is_library(name)) {
		/* as the loader (usdt_needed_objects), less RUNPATH and cache, which need a file */
		dirs[0] = getenv("LD_LIBRARY_PATH");
		dirs[1] = usdti_system_lib_dirs(sys_dirs, sizeof(sys_dirs));
		perm = R_OK;
	} else {
		dirs[0] = getenv("PATH");
		dirs[1] = "/usr/bin:/usr/sbin";
		perm = R_OK | X_OK;
	}
	for (size_t i = 0; i < 2; i++) {
		if (search_dirs(dirs[i], name, perm, buf, buf_sz) == 0) {
			pr_debug("resolved '%s' to '%s'\n", name, buf);
			return 0;
		}
	}
	pr_debug("'%s' not found in %s\n", name,
		 is_library(name) ? "LD_LIBRARY_PATH or the system library directories" : "PATH");
	return usdti_err(-ENOENT);
}
