// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The usdt_manager: one per BPF object that includes <usdt/usdt.bpf.h>, owning its spec map
 * (sized and made mmapable before load), the spec and probe tables, and the kernel's arrays.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/libbpf.h>

#include "attach_internal.h"
#include "log.h"
#include "opts.h"

struct usdt_manager *usdt_manager__new(struct bpf_object *obj, const struct usdt_manager_opts *opts)
{
	size_t max = OPTS_GET(opts, max_specs, 0);
	struct usdt_manager *man;
	struct bpf_map *map;
	int err;

	if (!obj || !OPTS_VALID(opts, usdt_manager_opts) || max >= UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	max = max ? max : USDT_DEFAULT_MAX_SPECS;
	map = bpf_object__find_map_by_name(obj, USDT_SPECS_MAP);
	if (!map) {
		pr_warn("BPF object %s has no %s map: its programs must include <usdt/usdt.bpf.h>\n",
			bpf_object__name(obj), USDT_SPECS_MAP);
		errno = ENOENT;
		return NULL;
	}
	if (bpf_map__fd(map) >= 0) {
		pr_warn("BPF object %s is already loaded: create the usdt manager before "
			"bpf_object__load(), which sizes the %s map\n",
			bpf_object__name(obj), USDT_SPECS_MAP);
		errno = EBUSY;
		return NULL;
	}
	/* sized for max specs, and mapped into memory once loaded: specs are written there */
	err = bpf_map__set_max_entries(map, max);
	if (!err)
		err = bpf_map__set_map_flags(map, bpf_map__map_flags(map) | BPF_F_MMAPABLE);
	if (err) {
		pr_warn("%s: cannot size the map to %zu mmapable specs: %s\n", USDT_SPECS_MAP, max,
			strerror(-err));
		errno = -err;
		return NULL;
	}
	man = calloc(1, sizeof(*man));
	if (!man)
		return NULL;
	man->obj = obj;
	man->map = map;
	man->specs = usdti_spec_table_new(max);
	man->probes = usdti_probe_table_new();
	if (!man->specs || !man->probes) {
		usdt_manager__free(man);
		errno = ENOMEM;
		return NULL;
	}
	return man;
}

void usdt_manager__free(struct usdt_manager *man)
{
	if (!man)
		return;
	usdti_spec_table_free(man->specs);
	usdti_probe_table_free(man->probes);
	if (man->arrays.map)
		munmap(man->arrays.map, man->arrays.map_sz);
	free(man);
}

int usdt_manager__probe_info(const struct usdt_manager *man, __u32 probe_id,
			     struct usdt_probe_info *info)
{
	if (!man || !info)
		return usdti_err(-EINVAL);
	return usdti_err(usdti_probe_info(man->probes, probe_id, info));
}

int usdti_manager_spec_args(const struct usdt_manager *man, __u32 spec_id,
			    const struct usdt_arg **argv, int *arg_cnt)
{
	if (!man || !argv || !arg_cnt)
		return usdti_err(-EINVAL);
	return usdti_err(usdti_spec_args(man->specs, spec_id, argv, arg_cnt));
}
