// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The architectures whose argument grammar libusdt knows, chosen by the ELF's e_machine. */
#include <elf.h>

#include "arch.h"

static const struct usdti_arch *const arches[] = {
	&usdti_arch_x86_64,  &usdti_arch_i386,	&usdti_arch_aarch64,
	&usdti_arch_riscv64, &usdti_arch_s390x, &usdti_arch_arm,
	&usdti_arch_ppc64,   &usdti_arch_ppc,	&usdti_arch_loongarch64,
};

const struct usdti_arch *usdti_arch_find(int e_machine, int elf_class)
{
	size_t i;

	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		const struct usdti_arch *a = arches[i];

		if (a->e_machine == e_machine && (!a->elf_class || a->elf_class == elf_class))
			return a;
	}
	return NULL;
}

const char *usdt_arch_name(int e_machine, int elf_class)
{
	const struct usdti_arch *a = usdti_arch_find(e_machine, elf_class);

	return a ? a->name : NULL;
}
