// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Replays every input kept in tests/fuzz/regressions/{note,args}/ through the fuzzers' own
 * entry points (tests/fuzz/fuzz_targets.h), so past findings stay fixed in the plain and the
 * ASan/UBSan builds without clang or libFuzzer.
 */
#define _GNU_SOURCE
#include "test.h"

#include <dirent.h>
#include <sys/stat.h>

#include "../fuzz/fuzz_targets.h"

#define REGRESSIONS SOURCE_DIR "/tests/fuzz/regressions"

static int read_all(const char *path, uint8_t **data, size_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !(*data = malloc(st.st_size + 1))) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, *data, st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(*data);
		return -EIO;
	}
	*size = n;
	return 0;
}

/* Feeds every file of REGRESSIONS/sub to fn; returns how many files it replayed. */
static int replay(const char *sub, int (*fn)(const uint8_t *, size_t))
{
	char dir[4096], path[8192];
	struct dirent *de;
	int cnt = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", REGRESSIONS, sub);
	d = opendir(dir);
	CHECK(d != NULL);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		uint8_t *data = NULL;
		size_t size = 0;
		int bad;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (read_all(path, &data, &size)) {
			fprintf(stderr, "%s: cannot read\n", path);
			CHECK(0);
			continue;
		}
		bad = fn(data, size);
		if (bad)
			fprintf(stderr, "%s: %d broken invariants\n", path, bad);
		CHECK_INT(bad, 0);
		free(data);
		cnt++;
	}
	closedir(d);
	return cnt;
}

int main(void)
{
	/* a regression must exercise a real path: both directories hold kept inputs */
	CHECK(replay("note", fuzz_note_one) > 0);
	CHECK(replay("args", fuzz_args_one) > 0);
	return test_summary("test_fuzz_regressions");
}
