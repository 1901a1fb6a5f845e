/* The hostile relay for integration tests (see tamper_proxy.h). */
#include "tamper_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mlab_buf.h"
#include "mlab_wire.h"

struct dir_state {
	int from, to;
	uint8_t buf[2 * MLAB_MAX_FRAME];
	size_t len;
	unsigned seen[256];
	int eof;
	int stalled;		      /* TAMPER_STALL: this direction is no longer read nor forwarded */
	uint8_t held[MLAB_MAX_FRAME]; /* TAMPER_HOLD: a frame waiting for the next one */
	size_t held_len;
};

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Forwards every complete frame in d->buf, altering the chosen one. back is
 * the other direction's socket (where a reflected frame goes). */
static int pump(struct dir_state *d, enum tamper_dir dir, const struct tamper *t, int *altered, int back)
{
	struct mlab_rd r;
	uint8_t type;
	const uint8_t *body;
	uint32_t len;

	mlab_rd_init(&r, d->buf, d->len);
	while (mlab_frame_next(&r, &type, &body, &len) == 0) {
		size_t flen = MLAB_FRAME_HDR + len;
		uint8_t frame[MLAB_MAX_FRAME + 1];
		int dup = 0, to = d->to, drop = 0;

		memcpy(frame, body - MLAB_FRAME_HDR, flen);
		if (t->dir == dir && t->type == type && d->seen[type]++ == t->nth) {
			uint8_t *b = frame + MLAB_FRAME_HDR;
			long off = t->offset < 0 ? (long)len + t->offset : t->offset;
			switch (t->action) {
			case TAMPER_FLIP_BIT:
				if (off >= 0 && off < (long)len)
					b[off] ^= (uint8_t)(1u << t->bit);
				break;
			case TAMPER_REPLACE_SHARE: /* group u16 | len u16 | share */
				if (len == 4 + t->data_len)
					memcpy(b + 4, t->data, t->data_len);
				break;
			case TAMPER_DUPLICATE:
				dup = 1;
				break;
			case TAMPER_TRUNCATE:
			case TAMPER_APPEND:
			case TAMPER_EMPTY: {
				uint32_t n = t->action == TAMPER_EMPTY	  ? 0
					     : t->action == TAMPER_APPEND ? len + 1
									  : len - 1;
				if (t->action == TAMPER_APPEND)
					b[len] = 0;
				put_u32(frame + 1, n);
				flen = MLAB_FRAME_HDR + n;
				break;
			}
			case TAMPER_DROP:
				drop = 1;
				break;
			case TAMPER_REPLACE_BODY:
				memcpy(b, t->data, t->data_len);
				put_u32(frame + 1, (uint32_t)t->data_len);
				flen = MLAB_FRAME_HDR + t->data_len;
				break;
			case TAMPER_RETYPE:
				frame[0] = t->data[0];
				break;
			case TAMPER_HUGE_LENGTH:
				put_u32(frame + 1, 0xFFFFFFFFu);
				flen = MLAB_FRAME_HDR;
				d->eof = 1; /* nothing more goes that way */
				break;
			case TAMPER_CUT_HEADER:
			case TAMPER_CUT_BODY:
				flen = t->action == TAMPER_CUT_HEADER ? 3 : MLAB_FRAME_HDR + len / 2;
				d->eof = 1; /* and then EOF that way */
				break;
			case TAMPER_STALL:
				if (t->offset >= 0 && (size_t)t->offset < flen)
					flen = (size_t)t->offset;
				d->stalled = 1;
				break;
			case TAMPER_REFLECT:
				to = back;
				break;
			case TAMPER_HOLD:
				if (flen <= sizeof d->held) {
					memcpy(d->held, frame, flen);
					d->held_len = flen;
					drop = 1;
				}
				break;
			case TAMPER_NOTHING:
				break;
			}
			(*altered)++;
		}
		if (!drop && (send_all(to, frame, flen) != 0 || (dup && send_all(to, frame, flen) != 0)))
			return -1;
		if (!drop && d->held_len && to == d->to) { /* the held frame, after the one that followed it */
			if (send_all(d->to, d->held, d->held_len) != 0)
				return -1;
			d->held_len = 0;
		}
		if (d->eof || d->stalled)
			break;
	}
	memmove(d->buf, d->buf + r.off, d->len - r.off);
	d->len -= r.off;
	return 0;
}

static void relay(int cfd, unsigned bob_port, const struct tamper *t)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)bob_port)};
	int bfd = socket(AF_INET, SOCK_STREAM, 0), altered = 0;
	struct dir_state *d = calloc(2, sizeof *d);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!d || bfd < 0 || connect(bfd, (struct sockaddr *)&a, sizeof a) != 0)
		_exit(255);
	d[TAMPER_TO_BOB] = (struct dir_state){.from = cfd, .to = bfd};
	d[TAMPER_TO_ALICE] = (struct dir_state){.from = bfd, .to = cfd};
	alarm(20); /* a test relay never outlives its test */
	/* Until no direction is left that is neither ended nor stalled. */
	while ((!d[0].eof && !d[0].stalled) || (!d[1].eof && !d[1].stalled)) {
		struct pollfd p[2] = {{.fd = d[0].eof || d[0].stalled ? -1 : cfd, .events = POLLIN},
				      {.fd = d[1].eof || d[1].stalled ? -1 : bfd, .events = POLLIN}};
		if (poll(p, 2, 20000) <= 0)
			break;
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = recv(d[i].from, d[i].buf + d[i].len, sizeof d[i].buf - d[i].len, 0);
			if (n <= 0) {
				d[i].eof = 1;
				shutdown(d[i].to, SHUT_WR);
				continue;
			}
			d[i].len += (size_t)n;
			if (pump(&d[i], (enum tamper_dir)i, t, &altered, d[i].from) != 0 || d[i].eof) {
				d[i].eof = 1;
				shutdown(d[i].to, SHUT_WR);
			}
		}
	}
	_exit(altered);
}

int tamper_proxy_start(struct tamper_proxy *tp, unsigned bob_port, const struct tamper *t)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof a;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 1) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &al) != 0)
		return -1;
	tp->port = ntohs(a.sin_port);
	pid_t parent = getpid();
	tp->pid = fork();
	if (tp->pid < 0)
		return -1;
	if (tp->pid == 0) {
		/* A test that fails mid-way skips its cleanup: its children must
		 * still die with the test binary, never outlive it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		int cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			_exit(255);
		close(lfd);
		relay(cfd, bob_port, t);
	}
	close(lfd);
	return 0;
}

int tamper_proxy_wait(struct tamper_proxy *tp, int timeout_ms)
{
	int status;
	for (int waited = 0; waited < timeout_ms; waited += 10) {
		if (waitpid(tp->pid, &status, WNOHANG) == tp->pid)
			return WIFEXITED(status) && WEXITSTATUS(status) != 255 ? WEXITSTATUS(status) : -1;
		usleep(10000);
	}
	kill(tp->pid, SIGKILL);
	waitpid(tp->pid, &status, 0);
	return -1;
}
