// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "percpu.h"

#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

int percpu_sum(int map_fd, __u32 key, __u64 *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	int err;

	*sum = 0;
	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	err = bpf_map_lookup_elem(map_fd, &key, vals) ? -errno : 0;
	for (int i = 0; !err && i < ncpu; i++)
		*sum += vals[i];
	if (err)
		*sum = 0;
	free(vals);
	return err;
}
