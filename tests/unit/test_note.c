// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The note parser (usdt_file) against independent sources: binutils' readelf (notes, PT_LOADs,
 * sections, symbols) on the built fixtures and on system binaries, the fixtures' own
 * descriptions ("PROG describe"), and hand-made files from mkelf for foreign architectures,
 * byte orders, ELF32, prelink compensation, malformed input and 400,000 sites.
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "test.h"
#include "note.h"
#include "usdt.h"

#define MKELF	  FIXTURES_DIR "/mkelf"
#define TEXT	  0x401000ULL /* mkelf's default layout: text at file offset 0x1000 ... */
#define TEXT_OFF  0x1000ULL
#define DATA	  0x602000ULL /* ... data right after it in the file, 2 MiB further in memory */
#define DATA_OFF  0x2000ULL
#define MAX_NOTES 64

static char tmpdir[64];
static char warnings[16384];

static int capture_warnings(enum usdt_print_level level, const char *fmt, va_list ap)
{
	size_t len = strlen(warnings);

	if (level == USDT_WARN && len + 1 < sizeof(warnings))
		vsnprintf(warnings + len, sizeof(warnings) - len, fmt, ap);
	return 0;
}

/* ---- readelf, the reference decoder ------------------------------------------------------ */

struct ref_note {
	char provider[64], name[128], args[512];
	unsigned long long loc, base, sema;
};

struct ref_seg {
	unsigned long long off, vaddr, memsz;
	bool exec;
};

struct ref_elf {
	struct ref_note notes[MAX_NOTES];
	size_t note_cnt;
	struct ref_seg segs[16];
	size_t seg_cnt;
	unsigned long long base_sec; /* .stapsdt.base sh_addr, 0 if none */
};

static FILE *readelf(const char *opts, const char *path)
{
	char cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "LC_ALL=C readelf %s '%s' 2>/dev/null", opts, path);
	return popen(cmd, "r");
}

static void copy_field(char *dst, size_t sz, const char *src)
{
	snprintf(dst, sz, "%s", src);
}

static void ref_note_line(struct ref_elf *r, const char *p)
{
	struct ref_note *n = r->note_cnt ? &r->notes[r->note_cnt - 1] : NULL;

	if (strncmp(p, "Provider: ", 10) == 0 && r->note_cnt < MAX_NOTES) {
		n = &r->notes[r->note_cnt++];
		memset(n, 0, sizeof(*n));
		copy_field(n->provider, sizeof(n->provider), p + 10);
	} else if (n && strncmp(p, "Name: ", 6) == 0) {
		copy_field(n->name, sizeof(n->name), p + 6);
	} else if (n && strncmp(p, "Location: ", 10) == 0) {
		sscanf(p, "Location: %llx, Base: %llx, Semaphore: %llx", &n->loc, &n->base,
		       &n->sema);
	} else if (n && strncmp(p, "Arguments:", 10) == 0) {
		copy_field(n->args, sizeof(n->args), p[10] ? p + 11 : "");
	}
}

static void ref_load(const char *path, struct ref_elf *r)
{
	char line[2048];
	FILE *f;

	memset(r, 0, sizeof(*r));
	f = readelf("-n", path);
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		ref_note_line(r, line + strspn(line, " "));
	}
	if (f)
		pclose(f);
	f = readelf("-lW", path);
	while (f && fgets(line, sizeof(line), f)) {
		struct ref_seg *s = &r->segs[r->seg_cnt];
		int end = 0;

		if (r->seg_cnt < 16 && sscanf(line, " LOAD %llx %llx %*x %*x %llx%n", &s->off,
					      &s->vaddr, &s->memsz, &end) == 3) {
			const char *flags = line + end, *align = strstr(flags, "0x");

			s->exec = memchr(flags, 'E', align ? (size_t)(align - flags) : 0) != NULL;
			r->seg_cnt++;
		}
	}
	if (f)
		pclose(f);
	f = readelf("-SW", path);
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "] .stapsdt.base ");

		if (p)
			sscanf(p + 1, " %*s %*s %llx", &r->base_sec);
	}
	if (f)
		pclose(f);
}

/* The value of a symbol as readelf -s prints it, 0 when absent. */
static unsigned long long ref_sym(const char *path, const char *name)
{
	unsigned long long val, found = 0;
	char line[1024], sym[256];
	FILE *f = readelf("-sW", path);

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*[0-9]: %llx %*s %*s %*s %*s %*s %255s", &val, sym) == 2 &&
		    strcmp(sym, name) == 0)
			found = val;
	}
	if (f)
		pclose(f);
	return found;
}

/* addr -> file offset through the PT_LOADs readelf printed; ~0 when outside. */
static unsigned long long ref_offset(const struct ref_elf *r, unsigned long long addr, bool exec)
{
	for (size_t i = 0; i < r->seg_cnt; i++) {
		const struct ref_seg *s = &r->segs[i];

		if (s->exec == exec && addr >= s->vaddr && addr - s->vaddr < s->memsz)
			return addr - s->vaddr + s->off;
	}
	return ~0ULL;
}

/* Operands in an x86 argument string: space-separated, no brackets. */
static int count_operands(const char *args)
{
	int n = 0;

	for (const char *p = args; *p; p++) {
		if (*p != ' ' && (p == args || p[-1] == ' '))
			n++;
	}
	return n;
}

static struct usdt_file *open_file(const char *path, bool parse_args)
{
	struct usdt_file_opts opts = {.sz = sizeof(opts), .parse_args = parse_args};

	return usdt_file__open(path, &opts);
}

/* Every site of path equals readelf's decoding, with offsets from readelf's PT_LOADs. */
static void check_vs_readelf(const char *path)
{
	int failures = test_failures;
	struct usdt_file *f = open_file(path, true);
	struct ref_elf *r = calloc(1, sizeof(*r));

	CHECK(f && r);
	if (!f || !r)
		goto out;
	ref_load(path, r);
	CHECK(r->note_cnt > 0);
	CHECK_INT(usdt_file__site_cnt(f), r->note_cnt);
	for (size_t i = 0; i < r->note_cnt && i < usdt_file__site_cnt(f); i++) {
		const struct usdt_site *s = usdt_file__site(f, i);
		const struct ref_note *n = &r->notes[i];
		unsigned long long pc = n->loc, sema = n->sema;

		if (r->base_sec && n->base) {
			pc += r->base_sec - n->base;
			sema += sema ? r->base_sec - n->base : 0;
		}
		CHECK_STR(s->provider, n->provider);
		CHECK_STR(s->name, n->name);
		CHECK_STR(s->args, n->args);
		CHECK_INT(s->address, pc);
		CHECK_INT(s->sema_address, sema);
		CHECK_INT(s->file_offset, ref_offset(r, pc, true));
		CHECK_INT(s->sema_offset, sema ? ref_offset(r, sema, false) : 0);
		CHECK(s->error == NULL);
		CHECK_INT(s->arg_cnt, count_operands(n->args));
	}
out:
	if (test_failures != failures)
		fprintf(stderr, "  ^ in %s\n", path);
	usdt_file__close(f);
	free(r);
}

/* ---- the fixtures' own descriptions --------------------------------------------------------- */

struct desc {
	char probe[128], sizes[128], object[64];
	int args, sites;
	bool sema;
};

/* The value of "key=" in line, up to the next space. */
static void desc_field(const char *line, const char *key, char *out, size_t sz)
{
	const char *p = strstr(line, key);
	size_t len;

	out[0] = '\0';
	if (!p)
		return;
	p += strlen(key);
	len = strcspn(p, " \n");
	snprintf(out, sz, "%.*s", (int)len, p);
}

static size_t describe(const char *prog, struct desc *d, size_t max)
{
	char cmd[PATH_MAX + 16], line[512], val[16];
	size_t n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "'%s' describe", prog);
	f = popen(cmd, "r");
	while (f && n < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "probe %127s", d[n].probe) != 1)
			continue;
		desc_field(line, "sizes=", d[n].sizes, sizeof(d[n].sizes));
		desc_field(line, "object=", d[n].object, sizeof(d[n].object));
		desc_field(line, "args=", val, sizeof(val));
		d[n].args = atoi(val);
		desc_field(line, "sites=", val, sizeof(val));
		d[n].sites = atoi(val);
		desc_field(line, "sema=", val, sizeof(val));
		d[n].sema = strcmp(val, "yes") == 0;
		n++;
	}
	CHECK(f && pclose(f) == 0);
	return n;
}

/* "S,S,..." from the SIZE@ prefixes of a site's argument string; checks the parsed sizes. */
static void site_sizes(const struct usdt_site *s, char *out, size_t sz)
{
	const char *p = s->args;
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; *p; i++) {
		int size = atoi(p);

		if (i < s->arg_cnt)
			CHECK_INT(s->argv[i].size, size);
		len += snprintf(out + len, sz - len, "%s%d", i ? "," : "", size);
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
}

/* Is sizes one of the '|'-separated alternatives, and which. */
static int alternative(const char *alts, const char *sizes)
{
	size_t len = strlen(sizes);

	for (int i = 0; alts; i++) {
		if (strncmp(alts, sizes, len) == 0 && (alts[len] == '|' || !alts[len]))
			return i;
		alts = strchr(alts, '|');
		alts = alts ? alts + 1 : NULL;
	}
	return -1;
}

static void check_probe(struct usdt_file *f, const struct desc *d)
{
	int found = 0, used = 0;
	char sizes[256];

	for (size_t i = 0; i < usdt_file__site_cnt(f); i++) {
		const struct usdt_site *s = usdt_file__site(f, i);
		char probe[256];
		int alt;

		snprintf(probe, sizeof(probe), "%s:%s", s->provider, s->name);
		if (strcmp(probe, d->probe))
			continue;
		found++;
		CHECK_INT(s->arg_cnt, d->args);
		CHECK_INT(s->sema_address != 0, d->sema);
		site_sizes(s, sizes, sizeof(sizes));
		alt = alternative(d->sizes, sizes);
		/* with alternatives, each site takes one of its own */
		CHECK(alt >= 0 && (!strchr(d->sizes, '|') || !(used & (1 << alt))));
		if (alt < 0)
			fprintf(stderr, "  %s: sizes %s, described %s\n", d->probe, sizes,
				d->sizes);
		else
			used |= 1 << alt;
	}
	CHECK_INT(found, d->sites);
}

/* The sites of path are exactly those prog describes for object. */
static void check_described(const char *prog, const char *path, const char *object)
{
	struct usdt_file *f = open_file(path, true);
	int failures = test_failures, sites = 0;
	struct desc d[16];
	size_t n = describe(prog, d, 16);

	CHECK(n > 0 && f);
	for (size_t i = 0; f && i < n; i++) {
		if (strcmp(d[i].object, object))
			continue;
		check_probe(f, &d[i]);
		sites += d[i].sites;
	}
	if (f)
		CHECK_INT(usdt_file__site_cnt(f), sites);
	if (test_failures != failures)
		fprintf(stderr, "  ^ in %s (object %s)\n", path, object);
	usdt_file__close(f);
}

/* Semaphores sit on their symbols; RIP-relative globals resolve to readelf's values. */
static int check_symbols(const char *path, const char *sema_sym)
{
	struct usdt_file *f = open_file(path, true);
	int rip = 0;

	CHECK(f);
	for (size_t i = 0; f && i < usdt_file__site_cnt(f); i++) {
		const struct usdt_site *s = usdt_file__site(f, i);

		if (s->sema_address)
			CHECK_INT(s->sema_address, ref_sym(path, sema_sym));
		for (int a = 0; a < s->arg_cnt; a++) {
			if (s->argv[a].kind != USDT_ARG_RIP)
				continue;
			CHECK(s->argv[a].symbol != NULL);
			if (s->argv[a].symbol)
				CHECK_INT(s->argv[a].sym_addr, ref_sym(path, s->argv[a].symbol));
			rip++;
		}
	}
	usdt_file__close(f);
	return rip;
}

static void test_fixtures(void)
{
	static const char *const progs[] = {"probes_pie", "probes_nopie", "probes_noseparate",
					    "probes_lld"};
	char path[PATH_MAX];
	int rip = 0;

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		snprintf(path, sizeof(path), FIXTURES_DIR "/%s", progs[i]);
		if (access(path, X_OK) && strcmp(progs[i], "probes_lld") == 0) {
			CHECK(!getenv("CI")); /* built only where ld.lld is installed */
			continue;
		}
		check_vs_readelf(path);
		check_described(path, path, "main");
		rip += check_symbols(path, "test_guarded_semaphore");
	}
	/* fx12's fields are globals: at least some builds pass them RIP-relative */
	CHECK(rip > 0);
	check_vs_readelf(FIXTURES_DIR "/libtestprobes.so");
	check_vs_readelf(FIXTURES_DIR "/lib_linked");
	check_described(FIXTURES_DIR "/lib_linked", FIXTURES_DIR "/libtestprobes.so",
			"libtestprobes.so");
	check_described(FIXTURES_DIR "/lib_linked", FIXTURES_DIR "/lib_linked", "main");
	check_described(FIXTURES_DIR "/lib_dlopen", FIXTURES_DIR "/lib_dlopen", "main");
	check_symbols(FIXTURES_DIR "/libtestprobes.so", "testlib_guarded_semaphore");
}

/* Distributions' binaries with probes (scripts/deps installs them); missing under CI: a failure. */
static void test_system_binaries(void)
{
	static const char *const paths[] = {
		"/usr/bin/python3.11",
		"/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
		"/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (access(paths[i], R_OK)) {
			fprintf(stderr, "%s: not installed, not compared\n", paths[i]);
			CHECK(!getenv("CI"));
			continue;
		}
		check_vs_readelf(paths[i]);
	}
}

/* ---- mkelf files ------------------------------------------------------------------------- */

/* Runs mkelf with the NULL-terminated options opts, writing tmpdir/name; returns the path. */
static const char *mkelf_opts(const char *name, const char *const *opts)
{
	static char out[PATH_MAX];
	const char *argv[64] = {MKELF};
	int n = 1, status = -1;
	pid_t pid;

	while (n < 62 && (argv[n] = opts[n - 1]))
		n++;
	snprintf(out, sizeof(out), "%s/%s", tmpdir, name);
	argv[n++] = out;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		execv(MKELF, (char *const *)argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	CHECK_INT(status, 0);
	return out;
}

/* mkelf_opts() with the options as arguments, NULL last. */
static const char *mkelf(const char *name, ...)
{
	const char *opts[62];
	int n = 0;
	va_list ap;

	va_start(ap, name);
	while (n < 61 && (opts[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	opts[n] = NULL;
	return mkelf_opts(name, opts);
}

struct arch_case {
	const char *machine, *arch;
	int e_machine, elf_class;
	const char *endian;
	const char *args; /* two operands: a register, then memory */
	int size0, size1;
};

static const struct arch_case arch_cases[] = {
	{"x86_64", "x86_64", EM_X86_64, ELFCLASS64, "le", "-4@%edi 8@-8(%rbp)", -4, 8},
	{"i386", "i386", EM_386, ELFCLASS32, "le", "-4@%eax 4@8(%ebp)", -4, 4},
	{"aarch64", "aarch64", EM_AARCH64, ELFCLASS64, "le", "-4@x0 8@[sp, 16]", -4, 8},
	{"riscv64", "riscv64", EM_RISCV, ELFCLASS64, "le", "-4@a0 8@-24(s0)", -4, 8},
	{"s390x", "s390x", EM_S390, ELFCLASS64, "be", "-4@%r2 8@160(%r15)", -4, 8},
	{"arm", "arm", EM_ARM, ELFCLASS32, "le", "-4@r0 4@[r1, #8]", -4, 4},
	{"arm", "arm", EM_ARM, ELFCLASS32, "be", "-4@r0 4@[r1, #8]", -4, 4},
	{"ppc64", "ppc64", EM_PPC64, ELFCLASS64, "be", "-4@3 8@-8(31)", -4, 8},
	{"ppc64", "ppc64", EM_PPC64, ELFCLASS64, "le", "-4@3 8@-8(31)", -4, 8},
	{"loongarch64", "loongarch64", 258 /* EM_LOONGARCH */, ELFCLASS64, "le",
	 "-4@$r4 8@[$r3, 16]", -4, 8},
};

/* Foreign machines, both byte orders, both classes: words decoded with the file's layout. */
static void test_arches(void)
{
	char note[128];

	for (size_t i = 0; i < sizeof(arch_cases) / sizeof(arch_cases[0]); i++) {
		const struct arch_case *c = &arch_cases[i];
		const struct usdt_site *s;
		struct usdt_file *f;
		int failures = test_failures;

		snprintf(note, sizeof(note), "prov:first:0x401234:0x602010:%s", c->args);
		f = open_file(mkelf("arch.elf", "-m", c->machine, "-e", c->endian, "-p", note, "-p",
				    "prov:second:0x401ff0:0:", NULL),
			      true);
		CHECK(f);
		if (!f)
			continue;
		CHECK_STR(usdt_file__arch(f), c->arch);
		CHECK_INT(usdt_file__machine(f), c->e_machine);
		CHECK_INT(usdt_file__class(f), c->elf_class);
		CHECK_INT(usdt_file__site_cnt(f), 2);
		s = usdt_file__site(f, 0);
		CHECK_INT(s->address, 0x401234);
		CHECK_INT(s->file_offset, 0x1234);
		CHECK_INT(s->sema_address, 0x602010);
		CHECK_INT(s->sema_offset, 0x2010);
		CHECK_STR(s->args, c->args);
		CHECK_INT(s->arg_cnt, 2);
		if (s->arg_cnt == 2) {
			CHECK_INT(s->argv[0].kind, USDT_ARG_REG);
			CHECK_INT(s->argv[0].size, c->size0);
			CHECK_INT(s->argv[1].size, c->size1);
		}
		s = usdt_file__site(f, 1);
		CHECK_INT(s->address, 0x401ff0);
		CHECK_INT(s->file_offset, 0x1ff0);
		CHECK_INT(s->sema_address, 0);
		CHECK_INT(s->arg_cnt, 0);
		CHECK(s->argv == NULL);
		if (test_failures != failures)
			fprintf(stderr, "  ^ for %s %s\n", c->machine, c->endian);
		usdt_file__close(f);
	}
}

/* Opens path and checks its one site's address, semaphore and their offsets. */
static void check_one_site(const char *path, unsigned long long addr, unsigned long long sema)
{
	struct usdt_file *f = open_file(path, false);
	const struct usdt_site *s;

	CHECK(f);
	if (!f)
		return;
	CHECK_INT(usdt_file__site_cnt(f), 1);
	s = usdt_file__site(f, 0);
	CHECK_INT(s->address, addr);
	CHECK_INT(s->file_offset, addr - TEXT + TEXT_OFF);
	CHECK_INT(s->sema_address, sema);
	CHECK_INT(s->sema_offset, sema ? sema - DATA + DATA_OFF : 0);
	CHECK(s->error == NULL);
	usdt_file__close(f);
}

/*
 * Site shapes: <usdt/probe.h>'s 19 bytes at the PC make an x86-64 site USDT_SITE_NOP5, probed
 * 6 bytes on with %rsp 128 bytes down when optimized; a PC one byte off, or the same bytes
 * in a file of another machine, is a plain site.
 */
static void test_shapes(void)
{
	static const struct {
		const char *machine;
		__u64 pc;
		enum usdt_site_shape shape;
	} cases[] = {
		{"x86_64", TEXT + 0x100, USDT_SITE_NOP5}, {"x86_64", TEXT + 0x101, USDT_SITE_NOP},
		{"x86_64", TEXT + 0xfed, USDT_SITE_NOP5}, /* the last 19 bytes of the segment */
		{"x86_64", TEXT + 0x200, USDT_SITE_NOP},  /* 0x90 filler */
		{"aarch64", TEXT + 0x100, USDT_SITE_NOP}, {"i386", TEXT + 0x100, USDT_SITE_NOP},
	};
	struct usdt_file_opts opts = {.sz = sizeof(opts)};
	struct usdt_placement pl;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct usdt_site *s;
		struct usdt_file *f;
		char note[64];

		snprintf(note, sizeof(note), "p:a:0x%llx:0:", (unsigned long long)cases[i].pc);
		f = usdt_file__open(mkelf("shape.elf", "-m", cases[i].machine, "-n", "0x401100",
					  "-n", "0x401fed", "-p", note, NULL),
				    &opts);
		CHECK(f && usdt_file__site_cnt(f) == 1);
		if (!f || usdt_file__site_cnt(f) != 1) {
			usdt_file__close(f);
			continue;
		}
		s = usdt_file__site(f, 0);
		CHECK_INT(s->shape, cases[i].shape);
		CHECK_INT(usdt_site__placement(s, true, &pl), 0);
		CHECK_INT(pl.nop5, cases[i].shape == USDT_SITE_NOP5);
		CHECK_INT(pl.address, s->address + (pl.nop5 ? 6 : 0));
		CHECK_INT(pl.file_offset, s->file_offset + (pl.nop5 ? 6 : 0));
		CHECK_INT(pl.sp_bias, pl.nop5 ? 128 : 0);
		CHECK_INT(usdt_site__placement(s, false, &pl), 0);
		CHECK(!pl.nop5 && pl.address == s->address && pl.sp_bias == 0);
		usdt_file__close(f);
	}
	CHECK_INT(usdt_site__placement(NULL, true, &pl), -EINVAL);
}

/* .stapsdt.base moved by prelink: addresses shift only when the section and the word exist. */
static void test_prelink(void)
{
	static const struct {
		const char *opts[12];
		unsigned long long addr, sema;
	} cases[] = {
		/* the section 1 MiB above the notes' base word: everything moves up 1 MiB */
		{{"-b", "0x500000", "-B", "0x400000", "-p", "p:a:0x301234:0x502010:"},
		 0x401234,
		 0x602010},
		/* no semaphore: it stays 0 */
		{{"-b", "0x500000", "-B", "0x400000", "-p", "p:a:0x301234:0:"}, 0x401234, 0},
		/* no .stapsdt.base section (old --gc-sections builds): no compensation */
		{{"-b", "none", "-B", "0x400000", "-p", "p:a:0x401234:0x602010:"},
		 0x401234,
		 0x602010},
		/* a zero base word: no compensation */
		{{"-b", "0x500000", "-B", "0", "-p", "p:a:0x401234:0x602010:"}, 0x401234, 0x602010},
		/* ELF32 big-endian, moved down: the shift wraps within 32 bits */
		{{"-m", "ppc64", "-c", "32", "-b", "0x400000", "-B", "0x500000", "-p",
		  "p:a:0x501234:0x702010:"},
		 0x401234,
		 0x602010},
		/* the default layout: base section and word agree */
		{{"-p", "p:a:0x401234:0x602010:"}, 0x401234, 0x602010},
	};
	char name[16];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "p%zu.elf", i + 1);
		check_one_site(mkelf_opts(name, cases[i].opts), cases[i].addr, cases[i].sema);
	}
}

/* Sites that cannot be used are marked and named; the file still opens. */
static void test_bad_sites(void)
{
	struct usdt_file *f;
	const struct usdt_site *s;

	warnings[0] = '\0';
	f = open_file(mkelf("out.elf", "-p", "p:outside:0x10:0:", "-p",
			    "p:inside:0x401010:0:", "-p", "p:sema-in-text:0x401020:0x401800:", "-p",
			    "p:past-end:0x402000:0:", NULL),
		      true);
	CHECK(f);
	if (!f)
		return;
	CHECK_INT(usdt_file__site_cnt(f), 4);
	s = usdt_file__site(f, 0);
	CHECK(s->error != NULL);
	CHECK(usdt_file__site(f, 1)->error == NULL);
	CHECK_INT(usdt_file__site(f, 1)->file_offset, 0x1010);
	CHECK(usdt_file__site(f, 2)->error != NULL);
	/* the segment is [0x401000, 0x402000): its end is outside */
	CHECK(usdt_file__site(f, 3)->error != NULL);
	CHECK(strstr(warnings, "p:outside at 0x10:") != NULL);
	CHECK(strstr(warnings, "p:sema-in-text at 0x401020:") != NULL);
	CHECK(strstr(warnings, "p:past-end at 0x402000:") != NULL);
	CHECK(strstr(warnings, "p:inside") == NULL);
	usdt_file__close(f);
}

/* Names with '-' and '"', an empty file, no section at all. */
static void test_names_and_empty(void)
{
	struct usdt_file *f;

	f = open_file(mkelf("names.elf", "-p", "my-prov:na\"me-1:0x401010:0:8@%rdi", NULL), true);
	CHECK(f);
	if (f) {
		CHECK_STR(usdt_file__site(f, 0)->provider, "my-prov");
		CHECK_STR(usdt_file__site(f, 0)->name, "na\"me-1");
		CHECK(usdt_probe_match("my-prov:na\"me-*", "my-prov", "na\"me-1"));
		usdt_file__close(f);
	}
	f = open_file(mkelf("empty.elf", NULL), true);
	CHECK(f);
	if (f) {
		CHECK_INT(usdt_file__site_cnt(f), 0);
		CHECK(usdt_file__site(f, 0) == NULL);
		usdt_file__close(f);
	}
	f = open_file(MKELF, true); /* an ELF without .note.stapsdt */
	CHECK(f);
	if (f) {
		CHECK_INT(usdt_file__site_cnt(f), 0);
		CHECK_STR(usdt_file__arch(f), "x86_64");
		usdt_file__close(f);
	}
}

static void expect_error(const char *path, int err, const char *warning)
{
	int failures = test_failures;
	struct usdt_file *f;

	warnings[0] = '\0';
	errno = 0;
	f = open_file(path, true);
	CHECK(f == NULL);
	CHECK_INT(errno, err);
	if (warning) {
		CHECK(strstr(warnings, path) != NULL);
		CHECK(strstr(warnings, warning) != NULL);
	}
	if (test_failures != failures)
		fprintf(stderr, "  ^ %s: warnings: %s\n", path, warnings);
	usdt_file__close(f);
}

/* Damaged files fail with -ENOEXEC, named with the note's index; nothing is read past ends. */
static void test_malformed(void)
{
	static const char *const notes[] = {"a:b:0x401010:0:1@%al",
					    "a:c:0x401020:0:", "a:d:0x401030:0x602000:8@%rdi"};
	static const struct {
		const char *kind, *warning;
	} cases[] = {
		{"trunc-header", NULL},
		{"phnum", NULL},
		{"shnum", NULL},
		{"note-size", "note 2: note size past the end"},
		{"unterminated", "note 2: unterminated"},
		{"short-desc", "note 2: description too short"},
		{"note-past-eof", ".note.stapsdt lies outside the file"},
	};
	static const char *const machines[] = {"x86_64", "ppc64", "arm"};
	char path[PATH_MAX];
	FILE *txt;

	for (size_t m = 0; m < sizeof(machines) / sizeof(machines[0]); m++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			expect_error(mkelf("bad.elf", "-m", machines[m], "-M", cases[i].kind, "-p",
					   notes[0], "-p", notes[1], "-p", notes[2], NULL),
				     ENOEXEC, cases[i].warning);
		}
	}
	snprintf(path, sizeof(path), "%s/text", tmpdir);
	txt = fopen(path, "w");
	CHECK(txt && fputs("not an ELF file\n", txt) >= 0 && fclose(txt) == 0);
	expect_error(path, ENOEXEC, NULL);
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	expect_error(path, ENOENT, NULL);
	expect_error(tmpdir, EISDIR, NULL);
}

/* Probes grouped by the library: first appearance orders probes, note order their sites. */
static void test_probes(void)
{
	struct usdt_file_opts opts = {.sz = sizeof(opts), .group_probes = true};
	const char *path =
		mkelf("probes.elf", "-p", "p:b:0x401000:0:", "-p", "p:a:0x401010:0:", "-p",
		      "p:b:0x401020:0:", "-p", "q:b:0x401030:0:", "-p", "p:a:0x401040:0:", NULL);
	struct usdt_file *f = usdt_file__open(path, &opts);
	static const struct {
		const char *provider, *name;
		unsigned long long pc[2];
	} want[] = {
		{"p", "b", {0x401000, 0x401020}},
		{"p", "a", {0x401010, 0x401040}},
		{"q", "b", {0x401030}},
	};

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(usdt_file__probe_cnt(f), 3);
	for (size_t p = 0; p < 3 && p < usdt_file__probe_cnt(f); p++) {
		size_t n = want[p].pc[1] ? 2 : 1;

		CHECK_INT(usdt_file__probe_site_cnt(f, p), n);
		for (size_t k = 0; k < n && k < usdt_file__probe_site_cnt(f, p); k++) {
			const struct usdt_site *s = usdt_file__probe_site(f, p, k);

			CHECK_STR(s->provider, want[p].provider);
			CHECK_STR(s->name, want[p].name);
			CHECK_INT(s->address, want[p].pc[k]);
		}
	}
	CHECK(!usdt_file__probe_site(f, 3, 0) && errno == ENOENT);
	CHECK(!usdt_file__probe_site(f, 2, 1) && errno == ENOENT);
	usdt_file__close(f);
	/* not asked for: no probes, the sites as they are */
	f = usdt_file__open(path, NULL);
	CHECK(f && usdt_file__probe_cnt(f) == 0 && usdt_file__site_cnt(f) == 5);
	usdt_file__close(f);
}

static void test_opts(void)
{
	struct {
		struct usdt_file_opts opts;
		long long newer_field;
	} big = {{.sz = sizeof(big), .parse_args = true}, 1};
	const char *path = mkelf("opts.elf", "-p", "p:a:0x401010:0:8@%rdi", NULL);
	struct usdt_file_opts zero = {.sz = 0};
	struct usdt_file_opts padded = {.sz = sizeof(padded), .parse_args = true};
	struct usdt_file *f;

	errno = 0;
	CHECK(usdt_file__open(path, &zero) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(usdt_file__open(path, &big.opts) == NULL && errno == EINVAL);
	/* a newer caller's field in what is padding here (past the last field) is not ignored */
	((char *)&padded)[offsetof(struct usdt_file_opts, usdt_file_opts__last_field) + 1] = 1;
	errno = 0;
	CHECK(usdt_file__open(path, &padded) == NULL && errno == EINVAL);
	big.newer_field = 0; /* unknown fields left zero are fine */
	f = usdt_file__open(path, &big.opts);
	CHECK(f && usdt_file__site(f, 0)->arg_cnt == 1);
	usdt_file__close(f);
	f = usdt_file__open(path, NULL); /* no opts: arguments counted, not parsed */
	CHECK(f && usdt_file__site(f, 0)->arg_cnt == 1 && !usdt_file__site(f, 0)->argv);
	CHECK_STR(f ? usdt_file__path(f) : NULL, path);
	usdt_file__close(f);
	CHECK(usdt_file__open(NULL, NULL) == NULL && errno == EINVAL);
}

/* 400,000 generated sites: every one where it belongs (timing is for the benchmarks). */
static void test_many_sites(void)
{
	const char *path = mkelf("many.elf", "-g", "400000", "-G", "1000", NULL);
	struct usdt_file *f = open_file(path, false);
	size_t bad = 0, shared = 0, n;
	const struct usdt_site *s;
	char name[32];

	CHECK(f);
	if (!f)
		return;
	n = usdt_file__site_cnt(f);
	CHECK_INT(n, 400000);
	for (size_t i = 0; i < n; i++) {
		s = usdt_file__site(f, i);
		snprintf(name, sizeof(name), "probe%zu", i % 1000);
		bad += strcmp(s->provider, "bench") || strcmp(s->name, name) ||
		       s->address != TEXT + i || s->file_offset != TEXT_OFF + i || s->error ||
		       s->arg_cnt != 3 || s->argv;
	}
	CHECK_INT(bad, 0);
	usdt_file__close(f);

	/* equal argument strings share one parsed slice */
	f = open_file(path, true);
	CHECK(f && usdt_file__site_cnt(f) == 400000);
	for (size_t i = 0; f && i < usdt_file__site_cnt(f); i++) {
		s = usdt_file__site(f, i);
		shared += s->arg_cnt == 3 && s->argv == usdt_file__site(f, 0)->argv;
	}
	CHECK_INT(shared, 400000);
	usdt_file__close(f);

	/* distinct strings get their own */
	path = mkelf("distinct.elf", "-g", "50000", "-A", "-4@%edi 8@%rsi -8@-%u(%rbp)", NULL);
	f = open_file(path, true);
	CHECK(f && usdt_file__site_cnt(f) == 50000);
	bad = 0;
	for (size_t i = 0; f && i < usdt_file__site_cnt(f); i++) {
		s = usdt_file__site(f, i);
		bad += s->arg_cnt != 3 || s->argv[2].kind != USDT_ARG_MEM ||
		       s->argv[2].offset != -(long long)i || s->argv[0].size != -4;
	}
	CHECK_INT(bad, 0);
	usdt_file__close(f);
}

/*
 * The walk attach uses: arguments counted and parsed in any order agree, and a walk ended
 * twice frees nothing twice (attach's conflict report ends its second walk even when it
 * could not begin it, for want of memory, after the first walk has ended).
 */
static void test_walk(void)
{
	const char *path =
		mkelf("walk.elf", "-p", "p:a:0x401010:0:8@%rdi -4@%esi", "-p",
		      "p:b:0x401020:0:8@%rdi -4@%esi", "-p", "p:c:0x401030:0:8@%rdi -4@%esi", NULL);
	struct usdt_file *f = usdti_file_open(path);
	struct usdti_notes walk;
	struct usdt_site s;
	const struct usdt_arg *argv = NULL;
	int i = 0, begun = f ? usdti_notes_begin(&walk, f) : -1;

	/* a walk that did not begin is not walked */
	CHECK(f && begun == 0);
	if (begun) {
		usdt_file__close(f);
		return;
	}
	/* count, parse, count: the second site's string is the first's, the third's too */
	while (usdti_notes_next(&walk, &s) > 0) {
		bool parse = i++ == 1;

		CHECK_INT(usdti_notes_args(&walk, &s, parse), 0);
		CHECK_INT(s.arg_cnt, 2);
		CHECK(parse ? s.argv && s.argv[1].size == -4 : !s.argv);
		argv = parse ? s.argv : argv;
	}
	CHECK_INT(i, 3);
	CHECK(argv && argv[0].size == 8);
	usdti_notes_end(&walk);
	usdti_notes_end(&walk);
	usdt_file__close(f);
}

static void test_match(void)
{
	char longname[600];

	CHECK(usdt_probe_match("python:function__*", "python", "function__entry"));
	CHECK(!usdt_probe_match("python:function__*", "python", "line"));
	CHECK(usdt_probe_match("*:*entry", "node", "gc__entry"));
	CHECK(usdt_probe_match("python", "python", "line"));
	CHECK(!usdt_probe_match("python", "python2", "line"));
	CHECK(!usdt_probe_match("pyth", "python", "line"));
	CHECK(usdt_probe_match("py*", "python", "line"));
	CHECK(usdt_probe_match("*", "any", "thing"));
	CHECK(usdt_probe_match("test:args1[0-9]", "test", "args12"));
	CHECK(!usdt_probe_match("test:args1[3-9]", "test", "args12"));
	CHECK(usdt_probe_match("*:*-dash", "p", "with-dash"));
	CHECK(!usdt_probe_match("p:name", "p", "name2"));
	/* longer than the on-stack buffer */
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(usdt_probe_match("p:x*x", "p", longname));
	CHECK(!usdt_probe_match("p:x*y", "p", longname));
	/* DTrace's spelling: '-' for "__", outside [...] only, after the pattern as written */
	CHECK(usdt_probe_match("postgresql:query-start", "postgresql", "query__start"));
	CHECK(usdt_probe_match("postgresql:query-*", "postgresql", "query__done"));
	CHECK(usdt_probe_match("*:gc-start", "python", "gc__start"));
	CHECK(usdt_probe_match("p:with-dash", "p", "with-dash"));
	CHECK(!usdt_probe_match("p:with-dash", "p", "with_dash"));
	CHECK(!usdt_probe_match("test:a[-]b", "test", "a__b"));
	CHECK(usdt_probe_match("test:a-[-]b", "test", "a__-b"));
	/* a pattern longer than the on-stack buffer once translated */
	char provider[sizeof(longname) + 1];

	longname[0] = '-';
	provider[0] = provider[1] = '_';
	memcpy(provider + 2, longname + 1, sizeof(longname) - 1);
	CHECK(usdt_probe_match(longname, provider, "n"));
}

int main(void)
{
	char cmd[128];

	alarm(110);
	usdt_set_print(capture_warnings);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_note.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_match();
	test_fixtures();
	test_system_binaries();
	test_arches();
	test_prelink();
	test_shapes();
	test_bad_sites();
	test_names_and_empty();
	test_malformed();
	test_opts();
	test_probes();
	test_many_sites();
	test_walk();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return test_summary("test_note");
}
