/* See replay.h. The frames are replayed byte for byte as alice sent them;
 * bob's answers are read with the codec's framing (every length checked)
 * only to know when his flight is complete. */
#include "replay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mlab_err.h"
#include "mlab_wire.h"

#define REPLAY_MAX_FRAMES 64
#define REPLAY_MAX_BYTES (256 * 1024)
#define REPLAY_QUIET_S 0.3 /* the session is over when nothing came for this long */
#define REPLAY_WAIT_MS 2000

struct rframe {
	uint8_t type;
	uint8_t *body;
	size_t len;
	size_t server_before; /* bob's frames the original had sent before this one */
};

struct replay {
	struct mlab_ev *ev;
	uint64_t conn; /* the recorded connection's id, 0: none yet */
	char server[64];
	struct rframe f[REPLAY_MAX_FRAMES];
	size_t n, bytes, server_frames;
	bool full, done;
	double last;
	uint8_t in[MLAB_MAX_FRAME * 2];
	size_t in_len;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct replay *replay_new(struct mlab_ev *ev)
{
	struct replay *r = calloc(1, sizeof *r);
	if (r)
		r->ev = ev;
	return r;
}

void replay_free(struct replay *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->f[i].body);
	free(r);
}

bool replay_observe(void *arg, const struct sniff_conn *c, int dir, uint8_t type, const uint8_t *body, size_t len,
		    struct sniff_plain *plain)
{
	struct replay *r = arg;
	(void)plain;
	if (r->done)
		return false;
	if (!r->conn) {
		if (dir != SNIFF_C2S || type != MLAB_MSG_CLIENT_HELLO)
			return false; /* only a session seen from its start can be played again */
		r->conn = c->id;
		snprintf(r->server, sizeof r->server, "%s", c->server);
	}
	if (c->id != r->conn)
		return false;
	r->last = mono();
	if (dir == SNIFF_S2C) {
		r->server_frames++;
		return false;
	}
	if (r->n == REPLAY_MAX_FRAMES || r->bytes + len > REPLAY_MAX_BYTES ||
	    !(r->f[r->n].body = malloc(len ? len : 1))) {
		r->full = true;
		return false;
	}
	memcpy(r->f[r->n].body, body, len);
	r->f[r->n].type = type;
	r->f[r->n].len = len;
	r->f[r->n].server_before = r->server_frames;
	r->bytes += len;
	r->n++;
	return false;
}

static int dial(const char *server)
{
	char host[64];
	snprintf(host, sizeof host, "%s", server);
	char *colon = strrchr(host, ':');
	struct sockaddr_in sa = {.sin_family = AF_INET};
	if (!colon)
		return -1;
	*colon = '\0';
	long port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -1;
	sa.sin_port = htons((uint16_t)port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct timeval tv = {.tv_sec = REPLAY_WAIT_MS / 1000};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads bob's frames until he has sent `want` of them on this connection,
 * an Alert, the end, or the time limit. */
static void read_until(struct replay *r, int fd, size_t want, size_t *got, int *alert, bool *closed)
{
	double limit = mono() + REPLAY_WAIT_MS / 1000.0;
	while (*got < want && !*alert && !*closed && mono() < limit) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = recv(fd, r->in + r->in_len, sizeof r->in - r->in_len, 0);
		if (n <= 0) {
			*closed = true;
			break;
		}
		r->in_len += (size_t)n;
		struct mlab_rd rd;
		const uint8_t *body;
		uint8_t type;
		uint32_t len;
		mlab_rd_init(&rd, r->in, r->in_len);
		int e;
		while ((e = mlab_frame_next(&rd, &type, &body, &len)) == 0) {
			(*got)++;
			struct mlab_alert a;
			if (type == MLAB_MSG_ALERT && mlab_alert_decode(body, len, &a) == 0)
				*alert = -(int)a.code;
		}
		if (e != MLAB_E_TRUNCATED) { /* not the lab protocol: stop */
			*closed = true;
			break;
		}
		memmove(r->in, r->in + rd.off, r->in_len - rd.off);
		r->in_len -= rd.off;
	}
}

static bool send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static void play(struct replay *r)
{
	size_t got = 0, sent = 0;
	int alert = 0;
	bool closed = false;
	int fd = dial(r->server);

	mlab_ev_emit(r->ev, "replay-start",
		     json_pack("{s:s,s:i,s:b}", "to", r->server, "frames", (int)r->n, "cut", r->full),
		     "replaying alice's %zu recorded frames to %s from a connection of my own%s", r->n, r->server,
		     r->full ? " (the recording was cut at my limits)" : "");
	if (fd < 0) {
		mlab_ev_emit(r->ev, "replay-done",
			     json_pack("{s:i,s:i,s:s}", "sent", 0, "answered", 0, "reason", "connect"),
			     "cannot connect to %s: %s", r->server, strerror(errno));
		return;
	}
	for (size_t i = 0; i < r->n && !alert && !closed; i++) {
		read_until(r, fd, r->f[i].server_before, &got, &alert, &closed);
		if (alert || closed)
			break;
		/* header and body in one write, as alice wrote them */
		uint8_t frame[MLAB_MAX_FRAME];
		size_t n = MLAB_FRAME_HDR + r->f[i].len;
		if (n > sizeof frame) {
			closed = true;
			break;
		}
		frame[0] = r->f[i].type;
		frame[1] = (uint8_t)(r->f[i].len >> 24);
		frame[2] = (uint8_t)(r->f[i].len >> 16);
		frame[3] = (uint8_t)(r->f[i].len >> 8);
		frame[4] = (uint8_t)r->f[i].len;
		memcpy(frame + MLAB_FRAME_HDR, r->f[i].body, r->f[i].len);
		if (!send_all(fd, frame, n)) {
			closed = true;
			break;
		}
		sent++;
	}
	if (!alert && !closed)
		read_until(r, fd, r->server_frames, &got, &alert, &closed);
	shutdown(fd, SHUT_WR);
	close(fd);
	const char *reason = alert ? "alert" : sent == r->n ? "complete" : "closed";
	json_t *j = json_pack("{s:i,s:i,s:s}", "sent", (int)sent, "answered", (int)got, "reason", reason);
	if (alert)
		json_object_set_new(j, "error", json_string(mlab_err_name(alert)));
	mlab_ev_emit(r->ev, "replay-done", j, "replayed %zu of %zu frames; bob answered %zu%s%s", sent, r->n, got,
		     alert ? ", then aborted: " : "", alert ? mlab_err_name(alert) : "");
}

bool replay_maybe(struct replay *r, double now)
{
	(void)now;
	if (r->done || !r->n || !r->server_frames || mono() - r->last < REPLAY_QUIET_S)
		return r->done;
	r->done = true;
	play(r);
	return true;
}
