/* TCP with deadlines: every wait is a poll() bounded by an absolute
 * deadline, so a peer that drips bytes or never reads cannot hang us. */
#include "peer_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mlab_err.h"

int64_t peer_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int peer_split_addr(const char *s, char *host, size_t host_len, char *port, size_t port_len)
{
	const char *colon, *h = s;
	size_t hn;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return MLAB_E_ARG;
		h = s + 1;
		hn = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return MLAB_E_ARG;
		hn = (size_t)(colon - s);
	}
	const char *p = colon + 1;
	size_t pn = strlen(p);
	if (hn == 0 || hn >= host_len || pn == 0 || pn >= port_len || strspn(p, "0123456789") != pn)
		return MLAB_E_ARG;
	memcpy(host, h, hn);
	host[hn] = '\0';
	memcpy(port, p, pn + 1);
	return 0;
}

static int resolve(const char *addr, int passive, struct addrinfo **res)
{
	char host[256], port[16];
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0};

	if (peer_split_addr(addr, host, sizeof host, port, sizeof port) != 0)
		return MLAB_E_ARG;
	return getaddrinfo(host, port, &hints, res) == 0 ? 0 : MLAB_E_ARG;
}

int peer_listen(const char *addr, int *fd, unsigned *bound)
{
	struct addrinfo *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int s = -1, one = 1, e = resolve(addr, 1, &res);

	if (e != 0)
		return e;
	e = MLAB_E_IO;
	s = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(s, res->ai_addr, res->ai_addrlen) != 0 || listen(s, 128) != 0 ||
	    getsockname(s, (struct sockaddr *)&ss, &sl) != 0)
		goto out;
	*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						: ((struct sockaddr_in *)&ss)->sin_port);
	*fd = s;
	s = -1;
	e = 0;
out:
	if (s >= 0)
		close(s);
	freeaddrinfo(res);
	return e;
}

int peer_connect(const char *addr, int timeout_ms, int *fd)
{
	struct addrinfo *res = NULL;
	int s = -1, e = resolve(addr, 0, &res), err = 0, one = 1;
	socklen_t el = sizeof err;

	if (e != 0)
		return e;
	e = MLAB_E_IO;
	s = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		goto out;
	if (connect(s, res->ai_addr, res->ai_addrlen) != 0) {
		struct pollfd p = {.fd = s, .events = POLLOUT};
		if (errno != EINPROGRESS)
			goto out;
		int r = poll(&p, 1, timeout_ms);
		if (r == 0) {
			e = MLAB_E_TIMEOUT;
			goto out;
		}
		if (r < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
			errno = err;
			goto out;
		}
	}
	/* Handshake flights are small: send each at once. */
	(void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	*fd = s;
	s = -1;
	e = 0;
out:
	if (s >= 0)
		close(s);
	freeaddrinfo(res);
	return e;
}

void peer_describe(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
			port = ntohs(a->sin6_port);
		} else if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
			port = ntohs(a->sin_port);
		}
	}
	snprintf(out, len, ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port);
}

static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - peer_now_ms();
		struct pollfd p = {.fd = fd, .events = events};
		if (left <= 0)
			return MLAB_E_TIMEOUT;
		int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 0;
		/* EINTR too: the only signals the peers catch are stop requests. */
		if (r < 0)
			return MLAB_E_IO;
	}
}

int peer_read_full(int fd, void *buf, size_t n, int64_t deadline)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < n) {
		int e = wait_fd(fd, POLLIN, deadline);
		if (e != 0)
			return e;
		ssize_t r = recv(fd, p + got, n - got, MSG_DONTWAIT);
		if (r == 0)
			return MLAB_E_EOF;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return errno == ECONNRESET ? MLAB_E_EOF : MLAB_E_IO;
		}
		got += (size_t)r;
	}
	return 0;
}

int peer_read_some(int fd, void *buf, size_t cap, int64_t deadline, size_t *got)
{
	*got = 0;
	for (;;) {
		int e = wait_fd(fd, POLLIN, deadline);
		if (e != 0)
			return e;
		ssize_t r = recv(fd, buf, cap, MSG_DONTWAIT);
		if (r == 0)
			return MLAB_E_EOF;
		if (r > 0) {
			*got = (size_t)r;
			return 0;
		}
		if (errno != EAGAIN && errno != EINTR)
			return errno == ECONNRESET ? MLAB_E_EOF : MLAB_E_IO;
	}
}

int peer_write_all(int fd, const void *buf, size_t n, int64_t deadline)
{
	const uint8_t *p = buf;
	size_t done = 0;

	while (done < n) {
		int e = wait_fd(fd, POLLOUT, deadline);
		if (e != 0)
			return e;
		ssize_t w = send(fd, p + done, n - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return errno == EPIPE || errno == ECONNRESET ? MLAB_E_EOF : MLAB_E_IO;
		}
		done += (size_t)w;
	}
	return 0;
}
