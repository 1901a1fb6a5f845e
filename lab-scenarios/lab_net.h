/* The lab network: a user namespace, a switch namespace holding the bridge
 * "lab0", and one network namespace per host joined to it by a veth link
 * (README.md, "The lab"). Built in-process with netlink (libmnl); no ip(8) calls.
 *
 * Namespaces are held by open descriptors in this process and by the
 * programs running inside them (and, in a lab others may enter, by its
 * holder processes and their shells: lab_hold.h), nothing else: no bind
 * mounts, no names in /run/netns. When the process tree ends — however it
 * ends — the kernel removes them. The host namespace is never touched: after lab_userns_enter
 * this process has no capability over it. */
#ifndef LAB_NET_H
#define LAB_NET_H

#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

#define LAB_MAX_HOSTS 8
#define LAB_BRIDGE "lab0"
#define LAB_HOST_IF "eth0"

struct lab_host {
	const char *name; /* "alice" */
	const char *ip;	  /* "10.0.0.10" */
	uint8_t mac[6];
	int ns_fd;
};

struct lab_net {
	enum sc_network kind;
	int switch_fd;
	struct lab_host hosts[LAB_MAX_HOSTS];
	size_t n_hosts;
};

/* The fixed lab plan: name → address and MAC; NULL if unknown. */
const struct lab_host *lab_plan(const char *name);

/* Enters a fresh user namespace mapping our uid and gid to root inside it,
 * with a fresh PID namespace for the children to come. Must run before any
 * thread exists. On failure err says exactly which
 * setting blocks it and that sudo works. */
int lab_userns_enter(char *err, size_t errlen);
/* Builds switch and hosts (names from the lab plan). This process ends up
 * in the switch namespace. */
int lab_net_build(struct lab_net *n, enum sc_network kind, const char *const *hosts, size_t n_hosts, char *err,
		  size_t errlen);
/* Moves the calling process into a host's (or "switch") namespace. */
int lab_net_enter(const struct lab_net *n, const char *name);
const struct lab_host *lab_net_host(const struct lab_net *n, const char *name);
/* In host `name`'s neighbour table: the MAC for ip (state NUD_*), or -ENOENT.
 * Leaves this process back in the switch namespace. */
int lab_neigh_get(const struct lab_net *n, const char *name, const char *ip, uint8_t mac[6], uint16_t *state);
/* A permanent entry ip -> mac in host `name`: the static-ARP defense. */
int lab_neigh_set_permanent(const struct lab_net *n, const char *name, const char *ip, const uint8_t mac[6]);
/* Writes a sysctl file (/proc/sys/...) inside host `name`'s namespace. */
int lab_net_sysctl(const struct lab_net *n, const char *name, const char *path, const char *value);
/* Closes our hold on the namespaces; the kernel frees them once no process
 * is left inside. */
void lab_net_release(struct lab_net *n);

#endif
