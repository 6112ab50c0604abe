#!/usr/bin/env bats
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# `cmake --install` gives what a user builds against: the library through pkg-config, the
# headers under usdt/ (userspace and BPF side), usdtctl, its catalogs, man page and completion.

load helpers

setup_file() {
	BUILD_DIR=$(cd "$(dirname "$USDTCTL")/.." && pwd)
	PREFIX=$(mktemp -d /tmp/usdt-install.XXXXXX)
	export BUILD_DIR PREFIX
	cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$PREFIX.log" 2>&1
}

teardown_file() {
	rm -rf "$PREFIX" "$PREFIX.log"
}

@test "install lays out library, headers, pkg-config file, usdtctl and its data" {
	for f in include/usdt/usdt.h include/usdt/print.h include/usdt/uprobe_multi.h include/usdt/usdt.bpf.h \
		include/usdt/usdt_spec.h include/usdt/probe.h lib/libusdt.a lib/pkgconfig/libusdt.pc sbin/usdtctl \
		share/usdtctl/probes.catalog share/usdtctl/runtimes.catalog share/man/man8/usdtctl.8 \
		share/bash-completion/completions/usdtctl; do
		[ -f "$PREFIX/$f" ] || { echo "missing $f" >&2; return 1; }
	done
	[ -e "$PREFIX/lib/libusdt.so" ]
	# only the public API leaves the shared library, and it does (an empty list has no strays)
	run nm -D --defined-only "$PREFIX/lib/libusdt.so"
	[ "$status" -eq 0 ]
	grep -qE ' T usdt_attach@@LIBUSDT_' <<<"$output"
	grep -qE ' T usdt_file__open@@LIBUSDT_' <<<"$output"
	[ -z "$(awk '{ print $3 }' <<<"$output" | grep -v '^usdt_' | grep -v '^LIBUSDT_')" ]
}

@test "a program built through pkg-config finds the sites readelf lists" {
	cat >"$BATS_TEST_TMPDIR/sites.c" <<'C'
#include <stdio.h>
#include <usdt/usdt.h>

int main(int argc, char **argv)
{
	struct usdt_file_opts opts = {.sz = sizeof(opts)};
	struct usdt_file *f = usdt_file__open(argv[argc - 1], &opts);

	if (!f)
		return 1;
	printf("%zu\n", usdt_file__site_cnt(f));
	for (size_t i = 0; i < usdt_file__site_cnt(f); i++)
		printf("%s:%s\n", usdt_file__site(f, i)->provider, usdt_file__site(f, i)->name);
	usdt_file__close(f);
	return 0;
}
C
	export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
	run bash -c "gcc -Wall -Werror -o '$BATS_TEST_TMPDIR/sites' '$BATS_TEST_TMPDIR/sites.c' \$(pkg-config --cflags --libs libusdt) -Wl,-rpath,'$PREFIX/lib'"
	[ "$status" -eq 0 ]
	run "$BATS_TEST_TMPDIR/sites" "$PYTHON_SDT"
	[ "$status" -eq 0 ]
	# binutils, not libusdt, says what is there: one NT_STAPSDT note per site, in note order
	notes=$(LC_ALL=C readelf -n --wide "$PYTHON_SDT")
	want=$(grep -c 'NT_STAPSDT' <<<"$notes")
	[ "$want" -gt 0 ]
	[ "${lines[0]}" -eq "$want" ]
	want=$(sed -nE 's/.*NT_STAPSDT .*Provider: (.*)$/\1/p; s/^ +Name: (.*)$/\1/p' <<<"$notes" |
		paste -d: - -)
	[ "$(wc -l <<<"$want")" -eq "${lines[0]}" ]
	[ "$(printf '%s\n' "${lines[@]:1}")" = "$want" ]
}

@test "an application with the installed <usdt/probe.h> has the probes readelf lists" {
	cat >"$BATS_TEST_TMPDIR/app.c" <<'C'
#include <usdt/probe.h>

USDT_SEMA(app, guarded);

int main(int argc, char **argv)
{
	USDT_PROBE(app, start, argc, argv[0]);
	USDT_PROBE_SEMA(app, guarded, argc);
	return 0;
}
C
	export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
	run bash -c "gcc -O2 -Wall -Werror -o '$BATS_TEST_TMPDIR/app' '$BATS_TEST_TMPDIR/app.c' \$(pkg-config --cflags libusdt)"
	[ "$status" -eq 0 ]
	"$BATS_TEST_TMPDIR/app"
	run readelf -n "$BATS_TEST_TMPDIR/app"
	grep -qE 'Provider: app' <<<"$output"
	[ "$(grep -cE 'NT_STAPSDT' <<<"$output")" -eq 2 ]
	grep -qE 'Arguments: -4@%[a-z0-9]+ 8@' <<<"$output"
}

@test "a BPF program compiles against the installed <usdt/usdt.bpf.h>" {
	cat >"$BATS_TEST_TMPDIR/p.bpf.c" <<'C'
#include <usdt/usdt.bpf.h>

char LICENSE[] SEC("license") = "GPL";

SEC("uprobe")
int handler(void *ctx)
{
	long v;

	if (usdt_arg(ctx, 0, &v) == 0 && usdt_probe_id(ctx) != USDT_NO_PROBE)
		bpf_printk("%ld", v);
	return 0;
}
C
	# the host's pt_regs layout and multiarch headers, as CMakeLists.txt picks them
	local arch
	case $(uname -m) in
	x86_64 | i?86) arch=x86 ;;
	aarch64) arch=arm64 ;;
	arm*) arch=arm ;;
	ppc64*) arch=powerpc ;;
	s390*) arch=s390 ;;
	riscv*) arch=riscv ;;
	loongarch*) arch=loongarch ;;
	*) arch=$(uname -m) ;;
	esac
	run clang -O2 -g -target bpf -D__TARGET_ARCH_$arch -I"$PREFIX/include" \
		-idirafter "/usr/include/$(gcc -print-multiarch)" -c "$BATS_TEST_TMPDIR/p.bpf.c" \
		-o "$BATS_TEST_TMPDIR/p.bpf.o"
	[ "$status" -eq 0 ]
}
