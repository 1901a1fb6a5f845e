/* make bench, part 2: the relay's cost, measured on the lab network.
 *
 * For each path — (a) direct, (b) through mallory's kernel (she only
 * poisons; ip_forward=1 in her namespace: the baseline), (c) through her
 * user-space relay, (d) through dh-mitm — runs the scenarios in
 * tests/bench/lab/ with mitmlab and reads their events:
 *   - 200 message round trips: alice's message-sent → message-received per
 *     message, median and p90;
 *   - a 64 MiB bulk transfer: alice's bulk-done (Mbit/s);
 *   - from mallory's start to both victims' tables confirmed poisoned (the
 *     lab's "poisoned" event).
 * Prints figures; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "proc.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Runs one scenario file into dir; 0 on success. */
static int run(const char *ini, const char *dir)
{
	char bin[4096];
	pid_t pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		execl(proc_bin("mitmlab", bin, sizeof bin), "mitmlab", "run", ini, "--headless", "--out", dir,
		      (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct figures {
	double rtt_med, rtt_p90, mbit, poison_ms;
	size_t n_rtt;
};

static void read_events(const char *dir, struct figures *f)
{
	char path[4200], line[1 << 16];
	double sent[1024] = {0}, rtt[1024];
	size_t n = 0;
	snprintf(path, sizeof path, "%s/events.jsonl", dir);
	FILE *fp = fopen(path, "r");
	while (fp && fgets(line, sizeof line, fp)) {
		json_t *e = json_loads(line, 0, NULL);
		const char *actor = json_string_value(json_object_get(e, "actor"));
		const char *name = json_string_value(json_object_get(e, "event"));
		double t = json_real_value(json_object_get(e, "t"));
		json_int_t k = json_integer_value(json_object_get(e, "n"));
		if (actor && name && strcmp(actor, "alice") == 0 && k > 0 && k < 1024) {
			if (strcmp(name, "message-sent") == 0)
				sent[k] = t;
			else if (strcmp(name, "message-received") == 0 && sent[k] > 0 && n < 1024)
				rtt[n++] = (t - sent[k]) * 1e6;
		}
		if (actor && name && strcmp(name, "bulk-done") == 0)
			f->mbit = json_real_value(json_object_get(e, "mbit_s"));
		if (actor && name && strcmp(actor, "lab") == 0 && strcmp(name, "poisoned") == 0)
			f->poison_ms = json_real_value(json_object_get(e, "ms"));
		json_decref(e);
	}
	if (fp)
		fclose(fp);
	if (n) {
		qsort(rtt, n, sizeof rtt[0], cmp);
		f->rtt_med = rtt[n / 2];
		f->rtt_p90 = rtt[n * 9 / 10];
		f->n_rtt = n;
	}
}

int main(void)
{
	static const char *const paths[] = {"direct", "kernel", "relay", "dhmitm"};
	static const char *const titles[] = {"(a) direct", "(b) kernel forwarding", "(c) mallory's relay",
					     "(d) dh-mitm"};
	char src[4096], tmpl[] = "/tmp/mlab-bench-XXXXXX";
	struct figures fig[4] = {{0}};

	if (!mkdtemp(tmpl))
		return 1;
	proc_src("tests/bench/lab", src, sizeof src);
	for (int i = 0; i < 4; i++) {
		char ini[4300], dir[4300];
		snprintf(ini, sizeof ini, "%s/91-rtt-%s.ini", src, paths[i]);
		snprintf(dir, sizeof dir, "%s/rtt-%s", tmpl, paths[i]);
		if (run(ini, dir) != 0)
			fprintf(stderr, "bench: %s did not run cleanly\n", ini);
		read_events(dir, &fig[i]);
		double poison = fig[i].poison_ms;
		snprintf(ini, sizeof ini, "%s/92-bulk-%s.ini", src, paths[i]);
		snprintf(dir, sizeof dir, "%s/bulk-%s", tmpl, paths[i]);
		if (run(ini, dir) != 0)
			fprintf(stderr, "bench: %s did not run cleanly\n", ini);
		read_events(dir, &fig[i]);
		fig[i].poison_ms = poison ? poison : fig[i].poison_ms;
	}
	puts("lab paths: 200 round trips (median, p90) and a 64 MiB bulk transfer, one run each:");
	for (int i = 0; i < 4; i++) {
		printf("  %-22s rtt median %7.1f us  p90 %7.1f us  (+%6.1f us)  bulk %8.1f Mbit/s", titles[i],
		       fig[i].rtt_med, fig[i].rtt_p90, fig[i].rtt_med - fig[0].rtt_med, fig[i].mbit);
		if (fig[i].poison_ms > 0)
			printf("  poisoned in %.1f ms", fig[i].poison_ms);
		putchar('\n');
	}
	printf("  runs kept in %s\n", tmpl);
	return 0;
}
