/* The lab network, built with netlink (see lab_net.h). */
#include "lab_net.h"

#include <errno.h>
#include <net/if.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static const struct lab_host plan[] = {
    {"alice", "10.0.0.10", {0x02, 0, 0, 0, 0, 0x0a}, -1},
    {"bob", "10.0.0.20", {0x02, 0, 0, 0, 0, 0x0b}, -1},
    {"mallory", "10.0.0.66", {0x02, 0, 0, 0, 0, 0x66}, -1},
};

const struct lab_host *lab_plan(const char *name)
{
	for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
		if (strcmp(plan[i].name, name) == 0)
			return &plan[i];
	return NULL;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, s, strlen(s));
	int e = n == (ssize_t)strlen(s) ? 0 : -errno;
	close(fd);
	return e;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Why unshare(CLONE_NEWUSER) failed, in words a user can act on. */
static void userns_why(int err, char *out, size_t len)
{
	const char *sudo = "Or run mitmlab with sudo: it uses the same private namespaces and never touches the "
			   "host network.";
	if (read_long("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		snprintf(
		    out, len,
		    "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0). Enable them "
		    "with: sudo sysctl -w kernel.unprivileged_userns_clone=1. %s",
		    sudo);
	else if (read_long("/proc/sys/user/max_user_namespaces") == 0)
		snprintf(
		    out, len,
		    "user namespaces are disabled (user.max_user_namespaces = 0). Enable them with: sudo sysctl -w "
		    "user.max_user_namespaces=15000. %s",
		    sudo);
	else if (read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
		snprintf(
		    out, len,
		    "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns "
		    "= 1). Allow it for mitmlab with an AppArmor profile granting \"userns,\" to its binary (see "
		    "docs/scenarios.md), or: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0. %s",
		    sudo);
	else if (err == EPERM)
		snprintf(out, len,
			 "creating a user namespace was refused (EPERM): a container's seccomp policy or a security "
			 "module forbids it. Run mitmlab on the host or in a container allowed to use unshare "
			 "(e.g. a seccomp profile permitting CLONE_NEWUSER). %s",
			 sudo);
	else
		snprintf(out, len, "creating a user namespace failed: %s. %s", strerror(err), sudo);
}

int lab_userns_enter(char *err, size_t errlen)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	/* A PID namespace too: the process that forks next becomes its init,
	 * and when that one ends the kernel ends everything left in the lab. */
	if (unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0) {
		userns_why(errno, err, errlen);
		return -1;
	}
	/* setgroups must be denied before an unprivileged gid_map is written. */
	int e = write_file("/proc/self/setgroups", "deny");
	if (e == 0) {
		snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
		e = write_file("/proc/self/uid_map", map);
	}
	if (e == 0) {
		snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
		e = write_file("/proc/self/gid_map", map);
	}
	if (e != 0) {
		if (e == -EPERM || e == -EACCES)
			userns_why(-e, err, errlen);
		else
			snprintf(err, errlen, "cannot map our user into the new user namespace: %s", strerror(-e));
		return -1;
	}
	return 0;
}

/* One request, one acknowledgement. Returns 0 or -errno. */
static int nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t seq = (uint32_t)time(NULL), port = mnl_socket_get_portid(nl);

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);
	if (n < 0)
		return -errno;
	return mnl_cb_run(buf, (size_t)n, seq, port, NULL, NULL) < 0 ? -errno : 0;
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nlh;
}

/* A bridge; ageing time 0 turns it into a hub: it learns nothing and
 * floods every frame to every port. */
static int add_bridge(struct mnl_socket *nl, const char *name, int hub)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 0);
	if (hub)
		mnl_attr_put_u32(nlh, IFLA_BR_AGEING_TIME, 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nl, nlh);
}

/* A veth pair: `name` stays here, its peer `peer_name` is created directly
 * inside the namespace peer_ns with the given MAC. */
static int add_veth(struct mnl_socket *nl, const char *name, const char *peer_name, int peer_ns, const uint8_t mac[6])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	struct ifinfomsg *pifm = mnl_nlmsg_put_extra_header(nlh, sizeof *pifm);
	pifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_ns);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nl, nlh);
}

/* Up, and optionally enslaved to a bridge. */
static int link_up(struct mnl_socket *nl, const char *name, int master)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int idx = (int)if_nametoindex(name);
	if (idx == 0)
		return -ENODEV;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, idx);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = IFF_UP;
	if (master > 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return nl_talk(nl, nlh);
}

static int addr_add(struct mnl_socket *nl, const char *ifname, const char *ip, uint8_t prefix)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct in_addr a;
	int idx = (int)if_nametoindex(ifname);

	if (idx == 0 || inet_pton(AF_INET, ip, &a) != 1)
		return -EINVAL;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = prefix;
	ifa->ifa_index = (uint32_t)idx;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof a, &a);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof a, &a);
	return nl_talk(nl, nlh);
}

/* A new network namespace, held by the returned descriptor. This process
 * is left inside it. */
static int new_netns(void)
{
	if (unshare(CLONE_NEWNET) != 0)
		return -errno;
	int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Per-namespace settings, written while inside it: no IPv6 (its router and
 * neighbour solicitations would clutter every capture) and, in hosts, no
 * forwarding: a host never routes for another, so mallory must relay herself. */
static int quiet_ns(int host)
{
	/* Quieter captures only: without IPv6 (ipv6.disable=1) or with a
	 * read-only /proc/sys (containers) the lab works all the same. */
	(void)write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	(void)write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	if (!host)
		return 0;
	/* A new namespace starts with forwarding off; make sure of it. */
	if (read_long("/proc/sys/net/ipv4/ip_forward") != 0)
		(void)write_file("/proc/sys/net/ipv4/ip_forward", "0");
	return read_long("/proc/sys/net/ipv4/ip_forward") == 0 ? 0 : -EPERM;
}

/* Segmentation offloads off (TSO, GSO, GRO): frames on the wire, in the
 * capture and at mallory are real, MTU-sized frames she can relay one by
 * one, as on a physical network. Best effort: a kernel without the knob
 * still gives a working lab. */
static void offloads_off(const char *ifname)
{
	static const uint32_t cmds[] = {ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SGRO};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		struct ethtool_value ev = {.cmd = cmds[i], .data = 0};
		struct ifreq ifr;
		memset(&ifr, 0, sizeof ifr);
		snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
		ifr.ifr_data = (char *)&ev;
		(void)ioctl(fd, SIOCETHTOOL, &ifr);
	}
	close(fd);
}

int lab_net_sysctl(const struct lab_net *n, const char *name, const char *path, const char *value)
{
	int e = lab_net_enter(n, name);
	if (e == 0)
		e = write_file(path, value);
	(void)setns(n->switch_fd, CLONE_NEWNET);
	return e;
}

static int fail(char *err, size_t errlen, const char *what, int e)
{
	snprintf(err, errlen, "building the lab network: %s: %s", what, strerror(-e));
	return -1;
}

int lab_net_build(struct lab_net *n, enum sc_network kind, const char *const *hosts, size_t n_hosts, char *err,
		  size_t errlen)
{
	struct mnl_socket *nl = NULL;
	char what[96] = "netlink socket";
	int e;

	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->switch_fd = -1;
	if (n_hosts > LAB_MAX_HOSTS)
		return fail(err, errlen, "too many hosts", -E2BIG);
	for (size_t i = 0; i < n_hosts; i++) {
		const struct lab_host *p = lab_plan(hosts[i]);
		if (!p)
			return fail(err, errlen, hosts[i], -ENOENT);
		n->hosts[i] = *p;
		n->hosts[i].ns_fd = -1;
	}
	n->n_hosts = n_hosts;

	/* Hosts first, each configured from inside; the switch last, so this
	 * process ends up there and creates every veth from the switch side. */
	for (size_t i = 0; i < n_hosts; i++) {
		if ((e = new_netns()) < 0) {
			/* The first refusal may be a security module's (AppArmor
			 * lets the user namespace be made, then forbids its use). */
			if (i == 0 && (e == -EPERM || e == -EACCES)) {
				userns_why(-e, err, errlen);
				return -1;
			}
			return fail(err, errlen, "new network namespace", e);
		}
		n->hosts[i].ns_fd = e;
		if ((e = quiet_ns(1)) != 0)
			return fail(err, errlen, "host sysctls (ipv6 off, ip_forward 0)", e);
	}
	if ((e = new_netns()) < 0)
		return fail(err, errlen, "switch namespace", e);
	n->switch_fd = e;
	if ((e = quiet_ns(0)) != 0)
		return fail(err, errlen, "switch sysctls", e);

	if (!(nl = mnl_socket_open(NETLINK_ROUTE)) || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = -errno;
		goto out;
	}
	snprintf(what, sizeof what, "bridge %s", LAB_BRIDGE);
	if ((e = add_bridge(nl, LAB_BRIDGE, kind == SC_HUB)) != 0 || (e = link_up(nl, "lo", 0)) != 0)
		goto out;
	int br = (int)if_nametoindex(LAB_BRIDGE);
	if (br == 0) {
		e = -ENODEV;
		goto out;
	}
	for (size_t i = 0; i < n_hosts; i++) {
		char port[IFNAMSIZ];
		snprintf(port, sizeof port, "sw-%.8s", n->hosts[i].name);
		snprintf(what, sizeof what, "veth %s <-> %s:%s", port, n->hosts[i].name, LAB_HOST_IF);
		if ((e = add_veth(nl, port, LAB_HOST_IF, n->hosts[i].ns_fd, n->hosts[i].mac)) != 0 ||
		    (e = link_up(nl, port, br)) != 0)
			goto out;
		offloads_off(port);
	}
	snprintf(what, sizeof what, "bridge %s up", LAB_BRIDGE);
	if ((e = link_up(nl, LAB_BRIDGE, 0)) != 0)
		goto out;
	mnl_socket_close(nl);
	nl = NULL;

	for (size_t i = 0; i < n_hosts; i++) {
		snprintf(what, sizeof what, "%s: addresses and links", n->hosts[i].name);
		if (setns(n->hosts[i].ns_fd, CLONE_NEWNET) != 0) {
			e = -errno;
			goto out;
		}
		if (!(nl = mnl_socket_open(NETLINK_ROUTE)) || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
			e = -errno;
			goto out;
		}
		offloads_off(LAB_HOST_IF);
		if ((e = link_up(nl, "lo", 0)) != 0 || (e = addr_add(nl, LAB_HOST_IF, n->hosts[i].ip, 24)) != 0 ||
		    (e = link_up(nl, LAB_HOST_IF, 0)) != 0)
			goto out;
		mnl_socket_close(nl);
		nl = NULL;
	}
	e = setns(n->switch_fd, CLONE_NEWNET) == 0 ? 0 : -errno;
	snprintf(what, sizeof what, "back to the switch namespace");
out:
	if (nl)
		mnl_socket_close(nl);
	if (e != 0)
		return fail(err, errlen, what, e);
	return 0;
}

const struct lab_host *lab_net_host(const struct lab_net *n, const char *name)
{
	for (size_t i = 0; i < n->n_hosts; i++)
		if (strcmp(n->hosts[i].name, name) == 0)
			return &n->hosts[i];
	return NULL;
}

int lab_net_enter(const struct lab_net *n, const char *name)
{
	int fd = strcmp(name, "switch") == 0 ? n->switch_fd : -1;
	const struct lab_host *h = lab_net_host(n, name);
	if (h)
		fd = h->ns_fd;
	if (fd < 0)
		return -ENOENT;
	return setns(fd, CLONE_NEWNET) == 0 ? 0 : -errno;
}

void lab_net_release(struct lab_net *n)
{
	for (size_t i = 0; i < n->n_hosts; i++)
		if (n->hosts[i].ns_fd >= 0)
			close(n->hosts[i].ns_fd);
	if (n->switch_fd >= 0)
		close(n->switch_fd);
	n->switch_fd = -1;
	n->n_hosts = 0;
}

struct neigh_query {
	struct in_addr ip;
	int ifindex;
	bool found;
	uint8_t mac[6];
	uint16_t state;
};

static int neigh_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);
	if (type <= NDA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_query *q = data;
	struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NDA_MAX + 1] = {0};

	if (nd->ndm_family != AF_INET || nd->ndm_ifindex != q->ifindex ||
	    mnl_attr_parse(nlh, sizeof *nd, neigh_attr_cb, tb) < 0)
		return MNL_CB_OK;
	if (tb[NDA_DST] && tb[NDA_LLADDR] && mnl_attr_get_payload_len(tb[NDA_DST]) == 4 &&
	    mnl_attr_get_payload_len(tb[NDA_LLADDR]) == 6 &&
	    memcmp(mnl_attr_get_payload(tb[NDA_DST]), &q->ip, 4) == 0) {
		memcpy(q->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
		q->state = nd->ndm_state;
		q->found = true;
	}
	return MNL_CB_OK;
}

int lab_neigh_get(const struct lab_net *n, const char *name, const char *ip, uint8_t mac[6], uint16_t *state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct neigh_query q = {0};
	struct mnl_socket *nl = NULL;
	int e = lab_net_enter(n, name);

	if (e == 0 && inet_pton(AF_INET, ip, &q.ip) != 1)
		e = -EINVAL;
	if (e == 0 && (q.ifindex = (int)if_nametoindex(LAB_HOST_IF)) == 0)
		e = -ENODEV;
	if (e == 0 && (!(nl = mnl_socket_open(NETLINK_ROUTE)) || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0))
		e = -errno;
	if (e == 0) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		uint32_t seq = (uint32_t)time(NULL);
		nlh->nlmsg_type = RTM_GETNEIGH;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = seq;
		struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof *nd);
		nd->ndm_family = AF_INET;
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
			e = -errno;
		for (ssize_t r; e == 0 && (r = mnl_socket_recvfrom(nl, buf, sizeof buf)) > 0;) {
			int cb = mnl_cb_run(buf, (size_t)r, seq, mnl_socket_get_portid(nl), neigh_cb, &q);
			if (cb <= MNL_CB_STOP)
				break;
		}
	}
	if (nl)
		mnl_socket_close(nl);
	(void)setns(n->switch_fd, CLONE_NEWNET);
	if (e != 0)
		return e;
	if (!q.found)
		return -ENOENT;
	memcpy(mac, q.mac, 6);
	*state = q.state;
	return 0;
}

int lab_neigh_set_permanent(const struct lab_net *n, const char *name, const char *ip, const uint8_t mac[6])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = NULL;
	struct in_addr a;
	int idx, e = lab_net_enter(n, name);

	if (e == 0 && inet_pton(AF_INET, ip, &a) != 1)
		e = -EINVAL;
	if (e == 0 && (idx = (int)if_nametoindex(LAB_HOST_IF)) == 0)
		e = -ENODEV;
	if (e == 0 && (!(nl = mnl_socket_open(NETLINK_ROUTE)) || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0))
		e = -errno;
	if (e == 0) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_NEWNEIGH;
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
		struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof *nd);
		nd->ndm_family = AF_INET;
		nd->ndm_ifindex = idx;
		nd->ndm_state = NUD_PERMANENT;
		mnl_attr_put(nlh, NDA_DST, 4, &a);
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
		e = nl_talk(nl, nlh);
	}
	if (nl)
		mnl_socket_close(nl);
	(void)setns(n->switch_fd, CLONE_NEWNET);
	return e;
}
