/* make bench, part 3: how long mallory needs to break each weak lab group
 * (mallory/dlog.c), median of 5 fixed instances per group, next to PARI/GP's
 * znlog on the same instances when gp is installed (Debian: pari-gp).
 * Asserts nothing about speed; exits non-zero only when gp and we disagree. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>

#include "dlog.h"
#include "mlab_group.h"

#define RUNS 5
#define SEED UINT64_C(0x6d6974686c616221) /* fixed: same instances every run */
#define MAX_STEPS (UINT64_C(1) << 36)
/* gp's timer ticks in ms and znlog is often faster than that, so gp repeats
 * each instance until this many ms have passed and reports the mean. */
#define GP_MIN_MS 50

struct bench_group {
	const struct mlab_group *grp;
	BIGNUM *p, *q, *g;
	BIGNUM *x[RUNS], *y[RUNS]; /* private key, public share g^x mod p */
	double ours[RUNS], gp[RUNS];
	int n_ours, n_gp, n_gp_bad;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *t, int n)
{
	double s[RUNS];
	memcpy(s, t, (size_t)n * sizeof s[0]);
	qsort(s, (size_t)n, sizeof s[0], cmp);
	return s[n / 2];
}

/* splitmix64: a tiny fixed PRNG, so the instances are reproducible. */
static uint64_t next_u64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* x in [2, q-1] like the peers' keygen (lib/mlab_group_lab.c), y = g^x. */
static int make_instance(struct bench_group *b, int r, uint64_t *state, BN_CTX *ctx)
{
	uint8_t raw[8];
	uint64_t v = next_u64(state);
	BIGNUM *range = BN_new();
	int ok;

	for (int i = 7; i >= 0; i--, v >>= 8)
		raw[i] = (uint8_t)v;
	b->x[r] = BN_new();
	b->y[r] = BN_new();
	ok = range && b->x[r] && b->y[r] && BN_copy(range, b->q) && BN_sub_word(range, 2) &&
	     BN_bin2bn(raw, sizeof raw, b->x[r]) && BN_mod(b->x[r], b->x[r], range, ctx) && BN_add_word(b->x[r], 2) &&
	     BN_mod_exp(b->y[r], b->g, b->x[r], b->p, ctx);
	BN_free(range);
	return ok ? 0 : -1;
}

static int setup_group(struct bench_group *b, const struct mlab_group *grp, uint64_t *state, BN_CTX *ctx)
{
	b->grp = grp;
	if (mlab_lab_params(grp, &b->p, &b->q, &b->g) != 0)
		return -1;
	for (int r = 0; r < RUNS; r++)
		if (make_instance(b, r, state, ctx) != 0)
			return -1;
	return 0;
}

static void free_group(struct bench_group *b)
{
	BN_free(b->p);
	BN_free(b->q);
	BN_free(b->g);
	for (int r = 0; r < RUNS; r++) {
		BN_free(b->x[r]);
		BN_free(b->y[r]);
	}
}

static void solve_ours(struct bench_group *b)
{
	for (int r = 0; r < RUNS; r++) {
		BIGNUM *found = BN_new();
		double t0 = now_ms();
		if (found && dlog_solve_ex(b->g, b->y[r], b->p, b->q, found, MAX_STEPS, NULL) == 0 &&
		    BN_cmp(found, b->x[r]) == 0)
			b->ours[b->n_ours++] = now_ms() - t0;
		BN_free(found);
	}
}

/* Looked up the way the shell will when popen runs "gp". */
static bool gp_on_path(void)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path && *path) {
		size_t len = strcspn(path, ":");
		int n = snprintf(buf, sizeof buf, "%.*s/gp", len ? (int)len : 1, len ? path : ".");
		if (n > 0 && (size_t)n < sizeof buf && access(buf, X_OK) == 0)
			return true;
		path += len + (path[len] == ':');
	}
	return false;
}

static void print_dec(FILE *f, const BIGNUM *v)
{
	char *s = BN_bn2dec(v);
	fputs(s ? s : "0", f);
	OPENSSL_free(s);
}

/* One line per instance: "group run x ms-per-call". znlog gets the order q of
 * g as its third argument, the same knowledge our solver starts from. */
static int write_gp_script(FILE *f, const struct bench_group *bg, size_t n)
{
	fprintf(f,
		"bench(i,j,y,g,p,o)={my(r,k=0,t0=getabstime(),e);"
		"until(e>=%d,r=znlog(Mod(y,p),Mod(g,p),o);k++;e=getabstime()-t0);"
		"printf(\"%%d %%d %%d %%.6f\\n\",i,j,r,e/k)};\n",
		GP_MIN_MS);
	for (size_t i = 0; i < n; i++)
		for (int r = 0; r < RUNS; r++) {
			const BIGNUM *args[] = {bg[i].y[r], bg[i].g, bg[i].p, bg[i].q};
			fprintf(f, "bench(%zu,%d", i, r);
			for (size_t a = 0; a < sizeof args / sizeof args[0]; a++) {
				fputc(',', f);
				print_dec(f, args[a]);
			}
			fputs(");\n", f);
		}
	fputs("quit\n", f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

/* Checks one answer of gp (g^x = y, and the same x as ours) and records its time. */
static int take_gp_line(struct bench_group *bg, size_t n, const char *line, BN_CTX *ctx)
{
	size_t i;
	int r, ok;
	char dec[128];
	double ms;
	BIGNUM *x = NULL, *y = BN_new();

	if (sscanf(line, "%zu %d %127s %lf", &i, &r, dec, &ms) != 4 || i >= n || r < 0 || r >= RUNS) {
		BN_free(y);
		return 0; /* not one of ours; gp's own chatter */
	}
	ok = y && BN_dec2bn(&x, dec) && BN_mod_exp(y, bg[i].g, x, bg[i].p, ctx) && BN_cmp(y, bg[i].y[r]) == 0 &&
	     BN_cmp(x, bg[i].x[r]) == 0;
	if (ok) {
		bg[i].gp[bg[i].n_gp++] = ms;
	} else {
		bg[i].n_gp_bad++;
		printf("FAIL dlog %s instance %d: PARI/GP znlog returned %s, which does not match our x\n",
		       bg[i].grp->name, r, dec);
	}
	BN_free(x);
	BN_free(y);
	return ok ? 0 : -1;
}

/* All instances in one gp process; the script's path comes from mkstemp, so
 * nothing outside this program reaches the popen command line. */
static int run_gp(struct bench_group *bg, size_t n, BN_CTX *ctx)
{
	char path[] = "/tmp/mlab-znlog-XXXXXX", cmd[128], line[512];
	int fd = mkstemp(path), rc = -1, fails = 0;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL, *gp = NULL;

	if (!f || write_gp_script(f, bg, n) != 0) {
		perror("FAIL dlog: writing the PARI/GP script");
		goto out;
	}
	snprintf(cmd, sizeof cmd, "gp -q -f %s </dev/null", path);
	gp = popen(cmd, "r");
	if (!gp) {
		perror("FAIL dlog: starting gp");
		goto out;
	}
	while (fgets(line, sizeof line, gp))
		fails += take_gp_line(bg, n, line, ctx) != 0;
	rc = pclose(gp) == 0 && fails == 0 ? 0 : -1;
	for (size_t i = 0; i < n; i++)
		if (bg[i].n_gp + bg[i].n_gp_bad < RUNS) {
			printf("FAIL dlog %s: no PARI/GP answer for %d of %d instances\n", bg[i].grp->name,
			       RUNS - bg[i].n_gp - bg[i].n_gp_bad, RUNS);
			rc = -1;
		}
out:
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	if (fd >= 0)
		unlink(path);
	return rc;
}

static void report(const struct bench_group *b, bool with_gp)
{
	printf("dlog %-13s ", b->grp->name);
	if (b->n_ours)
		printf("ours median %9.3f ms (n=%d)", median(b->ours, b->n_ours), b->n_ours);
	else
		printf("ours not solved          (n=0)");
	if (with_gp && b->n_gp) {
		double ratio = b->n_ours ? median(b->ours, b->n_ours) / median(b->gp, b->n_gp) : 0;
		printf("   PARI/GP znlog median %8.3f ms (n=%d)", median(b->gp, b->n_gp), b->n_gp);
		if (b->n_ours)
			printf(ratio >= 10 ? "   ratio %.0fx" : "   ratio %.2fx", ratio);
	}
	putchar('\n');
}

int main(void)
{
	size_t n_all, n = 0;
	const struct mlab_group *const *all = mlab_group_all(&n_all);
	struct bench_group *bg = calloc(n_all, sizeof *bg);
	BN_CTX *ctx = BN_CTX_new();
	uint64_t state = SEED;
	bool with_gp = gp_on_path();
	int rc = 0;

	if (!bg || !ctx) {
		fputs("bench_dlog: out of memory\n", stderr);
		return 1;
	}
	printf("discrete logarithm in the weak lab groups (mallory/dlog.c), one core, %d fixed instances each:\n",
	       RUNS);
	for (size_t i = 0; i < n_all; i++) {
		if (!all[i]->weak)
			continue;
		if (setup_group(&bg[n], all[i], &state, ctx) == 0) {
			solve_ours(&bg[n++]);
			continue;
		}
		printf("dlog %-13s could not set up the instances\n", all[i]->name);
		free_group(&bg[n]);
		memset(&bg[n], 0, sizeof bg[n]);
		rc = 1;
	}
	if (with_gp && run_gp(bg, n, ctx) != 0)
		rc = 1;
	for (size_t i = 0; i < n; i++)
		report(&bg[i], with_gp);
	if (!with_gp)
		puts("PARI/GP not installed (apt-get install pari-gp): comparison skipped");
	else
		printf(
		    "(ratio = ours / PARI/GP; gp ran znlog(Mod(y,p), Mod(g,p), q), each instance repeated for >= %d ms "
		    "on gp's getabstime, mean per call)\n",
		    GP_MIN_MS);
	for (size_t i = 0; i < n_all; i++)
		free_group(&bg[i]);
	free(bg);
	BN_CTX_free(ctx);
	return rc;
}
