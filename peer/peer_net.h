/* peer/: the I/O edge shared by the honest peers alice and bob — sockets,
 * deadlines, options. The protocol itself lives in lib/ and does no I/O.
 * This file: TCP with deadlines. Functions return 0 or a negative MLAB_E_*. */
#ifndef PEER_NET_H
#define PEER_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "HOST:PORT" or "[V6]:PORT" into host and port (both NUL-terminated). */
int peer_split_addr(const char *s, char *host, size_t host_len, char *port, size_t port_len);
/* Listening socket; *bound receives the actual port (for port 0). */
int peer_listen(const char *addr, int *fd, unsigned *bound);
int peer_connect(const char *addr, int timeout_ms, int *fd);
/* "10.0.0.10:51234" for the socket's peer. */
void peer_describe(int fd, char *out, size_t len);

/* Absolute deadline in ms on the monotonic clock. */
int64_t peer_now_ms(void);
int peer_read_full(int fd, void *buf, size_t n, int64_t deadline);
/* Whatever has arrived, at least one byte, at most cap: *got. */
int peer_read_some(int fd, void *buf, size_t cap, int64_t deadline, size_t *got);
int peer_write_all(int fd, const void *buf, size_t n, int64_t deadline);

#endif
