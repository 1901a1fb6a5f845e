/* The fuzz harnesses' smoke run in `make test` (no clang, no libFuzzer):
 * linked with one harness's LLVMFuzzerTestOneInput (and its
 * LLVMFuzzerInitialize, if it has one), built with the project's own
 * compiler and flags, so `make check-asan` runs it under ASan+UBSan too.
 *
 * smoke_NAME feeds every file of $MLAB_SRC/tests/fuzz/corpus_NAME (NAME from
 * its own file name), then SMOKE_MUTATIONS deterministic mutations of them:
 * bit flips, interesting bytes, truncations, insertions, deletions,
 * duplicated chunks and splices of two seeds, from a fixed-seed PRNG, so
 * every run tries the same inputs. Each input is an exact-size heap copy
 * (ASan sees a read one byte past it). A crash, a sanitizer report or a
 * harness's own trap kills the process, and run-suites.sh counts the tests
 * it did not report as failed; the TAP lines it counts are "ok 1 - ..."
 * (the seeds) and "ok 2 - ..." (the mutations).
 *
 *   smoke_NAME              the seeds and the mutations
 *   smoke_NAME FILE...      only these inputs (a crash libFuzzer found)
 *   MLAB_SMOKE_MUTATIONS=N  another number of mutations
 *   MLAB_SMOKE_SAVE=PATH    each input is written to PATH before it runs:
 *                           after a crash PATH holds the input that made it */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef SMOKE_MUTATIONS
#define SMOKE_MUTATIONS 2000
#endif
#define SMOKE_MAX_SEEDS 256
#define SMOKE_MAX_INPUT (1u << 20) /* mutations never grow past this */
#define SMOKE_PRNG_SEED 0x6d69746d6c616221ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

struct blob {
	uint8_t *p;
	size_t n;
};

struct seeds {
	struct blob b[SMOKE_MAX_SEEDS];
	size_t n, max_len;
};

static void die(const char *what, const char *detail)
{
	printf("not ok - %s: %s\n", what, detail);
	fflush(stdout);
	exit(1);
}

static int read_all(const char *path, struct blob *b)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 4096, n = 0;
	uint8_t *p = malloc(cap);
	while (p) {
		size_t got = fread(p + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			uint8_t *q = cap < SMOKE_MAX_INPUT ? realloc(p, cap * 2) : NULL;
			if (!q) {
				free(p);
				p = NULL;
				break;
			}
			p = q;
			cap *= 2;
		}
	}
	int bad = ferror(f) || !p;
	fclose(f);
	if (bad) {
		free(p);
		return -1;
	}
	b->p = p;
	b->n = n;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order (the mutations depend on it). */
static void load_dir(const char *dir, struct seeds *s)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *names[SMOKE_MAX_SEEDS];
	size_t n = 0;

	if (!d)
		die(dir, strerror(errno));
	while ((de = readdir(d)) && n < SMOKE_MAX_SEEDS)
		if (de->d_name[0] != '.' && !(names[n++] = strdup(de->d_name)))
			die(dir, "out of memory");
	closedir(d);
	qsort(names, n, sizeof names[0], cmp_names);
	for (size_t i = 0; i < n; i++) {
		char path[8192];
		int pl = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (pl > 0 && (size_t)pl < sizeof path && read_all(path, &s->b[s->n]) == 0) {
			if (s->b[s->n].n > s->max_len)
				s->max_len = s->b[s->n].n;
			s->n++;
		}
		free(names[i]);
	}
	if (s->n == 0)
		die(dir, "no seed files");
}

static void run_one(const uint8_t *p, size_t n, const char *save)
{
	uint8_t *copy = malloc(n ? n : 1); /* exactly n bytes */
	if (!copy)
		die("input", "out of memory");
	if (n)
		memcpy(copy, p, n);
	if (save) {
		FILE *f = fopen(save, "wb");
		if (f) {
			fwrite(copy, 1, n, f);
			fclose(f);
		}
	}
	(void)LLVMFuzzerTestOneInput(copy, n);
	free(copy);
}

/* splitmix64: small, fixed, and the same everywhere. */
static uint64_t next(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t below(uint64_t *st, size_t n)
{
	return n ? (size_t)(next(st) % n) : 0;
}

/* One mutation of buf (n bytes of cap) in place; returns the new length. */
static size_t mutate(uint64_t *st, uint8_t *buf, size_t n, size_t cap, const struct seeds *s)
{
	static const uint8_t interesting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '\n', '\r', '\\', '"',  '[',  ']',
					      '=',  '{',  '}',	':',  ',',  ' ',  '0',	'9',  0xc3, 0xe2, 0x1b};
	size_t at = below(st, n + 1), len;
	switch (next(st) % 8) {
	case 0: /* flip a bit */
		if (n)
			buf[below(st, n)] ^= (uint8_t)(1u << below(st, 8));
		break;
	case 1: /* an interesting byte */
		if (n)
			buf[below(st, n)] = interesting[below(st, sizeof interesting)];
		break;
	case 2: /* a random byte */
		if (n)
			buf[below(st, n)] = (uint8_t)next(st);
		break;
	case 3: /* truncate */
		n = below(st, n + 1);
		break;
	case 4: /* insert random or interesting bytes */
		len = 1 + below(st, 16);
		if (n + len > cap)
			break;
		memmove(buf + at + len, buf + at, n - at);
		for (size_t i = 0; i < len; i++)
			buf[at + i] = next(st) & 1 ? (uint8_t)next(st) : interesting[below(st, sizeof interesting)];
		n += len;
		break;
	case 5: /* delete a range */
		len = below(st, n - at + 1);
		memmove(buf + at, buf + at + len, n - at - len);
		n -= len;
		break;
	case 6: /* duplicate a chunk (repeated records, lines, headers) */
		len = below(st, n - at + 1);
		if (len > 256)
			len = 256;
		if (n + len > cap)
			break;
		memmove(buf + at + len, buf + at, n - at);
		n += len;
		break;
	default: { /* splice: our prefix, another seed's suffix */
		const struct blob *o = &s->b[below(st, s->n)];
		size_t from = below(st, o->n + 1);
		len = o->n - from;
		if (at + len > cap)
			len = cap - at;
		memcpy(buf + at, o->p + from, len);
		n = at + len;
		break;
	}
	}
	return n;
}

static const char *name_of(const char *argv0)
{
	const char *base = strrchr(argv0, '/');
	base = base ? base + 1 : argv0;
	return strncmp(base, "smoke_", 6) == 0 ? base + 6 : base;
}

int main(int argc, char **argv)
{
	const char *name = name_of(argv[0]), *src = getenv("MLAB_SRC"), *save = getenv("MLAB_SMOKE_SAVE");
	const char *env_n = getenv("MLAB_SMOKE_MUTATIONS");
	unsigned long mutations = env_n ? strtoul(env_n, NULL, 10) : SMOKE_MUTATIONS;
	struct seeds s = {0};
	char dir[4096];
	struct timespec t0, t1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (LLVMFuzzerInitialize)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) { /* reproduce: these files only */
		printf("1..%d\n", argc - 1);
		for (int i = 1; i < argc; i++) {
			struct blob b;
			if (read_all(argv[i], &b) != 0)
				die(argv[i], strerror(errno));
			run_one(b.p, b.n, NULL);
			free(b.p);
			printf("ok %d - %s: %s (%zu bytes)\n", i, name, argv[i], b.n);
		}
		return 0;
	}
	snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus_%s", src && *src ? src : ".", name);
	printf("1..2\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	load_dir(dir, &s);
	for (size_t i = 0; i < s.n; i++)
		run_one(s.b[i].p, s.b[i].n, save);
	printf("ok 1 - %s: %zu seed files of %s\n", name, s.n, dir);

	size_t cap = 2 * s.max_len + 64;
	if (cap > SMOKE_MAX_INPUT)
		cap = SMOKE_MAX_INPUT;
	uint8_t *buf = malloc(cap);
	if (!buf)
		die(name, "out of memory");
	uint64_t st = SMOKE_PRNG_SEED;
	for (unsigned long m = 0; m < mutations; m++) {
		const struct blob *b = &s.b[below(&st, s.n)];
		size_t n = b->n < cap ? b->n : cap;
		memcpy(buf, b->p, n);
		for (size_t k = 1 + below(&st, 4); k > 0; k--)
			n = mutate(&st, buf, n, cap, &s);
		run_one(buf, n, save);
	}
	free(buf);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("ok 2 - %s: %lu mutations\n", name, mutations);
	printf("# smoke %s: %zu inputs (%zu seeds, %lu mutations) in %.2f s\n", name, s.n + mutations, s.n, mutations,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (size_t i = 0; i < s.n; i++)
		free(s.b[i].p);
	return 0;
}
