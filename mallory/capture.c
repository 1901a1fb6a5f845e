/* libpcap live capture (see capture.h). Every pcap_* return value is checked
 * and turned into a sentence that says what to do, because "permission
 * denied" from deep inside libpcap teaches a trainee nothing. */
#include "capture.h"

#include <net/if.h>
#include <net/if_arp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "mlab_err.h"

struct capture {
	pcap_t *p;
	char iface[IFNAMSIZ];
	capture_cb cb;
	void *arg;
};

__attribute__((format(printf, 2, 3))) static void say(char msg[CAPTURE_MSG_LEN], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, CAPTURE_MSG_LEN, fmt, ap);
	va_end(ap);
}

/* pcap_activate's result as a sentence; returns MLAB_E_IO for errors, 0 for
 * success or a warning (then msg holds the warning). */
static int activate_status(pcap_t *p, const char *iface, int rc, char msg[CAPTURE_MSG_LEN])
{
	switch (rc) {
	case 0:
		return 0;
	case PCAP_WARNING_PROMISC_NOTSUP:
		say(msg, "%s does not support promiscuous mode: only frames addressed to this host will be seen",
		    iface);
		return 0;
	case PCAP_WARNING_TSTAMP_TYPE_NOTSUP:
		return 0; /* no time stamp type was asked for */
	case PCAP_WARNING:
		say(msg, "capture on %s: %s", iface, pcap_geterr(p));
		return 0;
	case PCAP_ERROR_NO_SUCH_DEVICE:
		say(msg, "no interface named %s here (list them with: ip link)", iface);
		break;
	case PCAP_ERROR_PERM_DENIED:
		say(msg, "no permission to capture on %s: run inside the lab (mitmlab run) or as root", iface);
		break;
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		say(msg, "no permission to put %s in promiscuous mode: run inside the lab (mitmlab run) or as root",
		    iface);
		break;
	case PCAP_ERROR_IFACE_NOT_UP:
		say(msg, "%s is down: bring it up first (ip link set %s up)", iface, iface);
		break;
	default:
		say(msg, "cannot capture on %s: %s", iface, pcap_geterr(p));
		break;
	}
	return MLAB_E_IO;
}

int capture_open(const char *iface, struct capture **out, char msg[CAPTURE_MSG_LEN])
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c = NULL;
	int e = MLAB_E_IO, rc;

	*out = NULL;
	msg[0] = '\0';
	if (strlen(iface) >= IFNAMSIZ) {
		say(msg, "interface name too long (at most %d characters): %s", IFNAMSIZ - 1, iface);
		goto out;
	}
	if (!(c = calloc(1, sizeof *c))) {
		e = MLAB_E_NOMEM;
		say(msg, "out of memory");
		goto out;
	}
	strcpy(c->iface, iface);
	if (!(c->p = pcap_create(iface, errbuf))) {
		say(msg, "cannot capture on %s: %s", iface, errbuf);
		goto out;
	}
	if (pcap_set_snaplen(c->p, CAPTURE_SNAPLEN) != 0 || pcap_set_promisc(c->p, 1) != 0 ||
	    pcap_set_immediate_mode(c->p, 1) != 0 || pcap_set_timeout(c->p, CAPTURE_TIMEOUT_MS) != 0) {
		say(msg, "cannot configure the capture on %s: %s", iface, pcap_geterr(c->p));
		goto out;
	}
	rc = pcap_activate(c->p);
	if ((e = activate_status(c->p, iface, rc, msg)) != 0)
		goto out;
	e = MLAB_E_IO;
	if ((rc = pcap_datalink(c->p)) != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(rc);
		say(msg, "%s is not an Ethernet interface (link type %s): mallory decodes Ethernet frames only", iface,
		    name ? name : "unknown");
		goto out;
	}
	if (pcap_setnonblock(c->p, 1, errbuf) != 0) {
		say(msg, "cannot make the capture on %s non-blocking: %s", iface, errbuf);
		goto out;
	}
	*out = c;
	c = NULL;
	e = 0;
out:
	capture_close(c);
	return e;
}

int capture_fd(const struct capture *c)
{
	return pcap_get_selectable_fd(c->p);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)(void *)user;
	c->cb(c->arg, bytes, h->caplen, h->len);
}

int capture_dispatch(struct capture *c, int max, capture_cb cb, void *arg, char msg[CAPTURE_MSG_LEN])
{
	int n;

	c->cb = cb;
	c->arg = arg;
	n = pcap_dispatch(c->p, max > 0 ? max : -1, on_packet, (u_char *)(void *)c);
	if (n == PCAP_ERROR_BREAK)
		return 0;
	if (n < 0) {
		say(msg, "capture on %s failed: %s", c->iface, pcap_geterr(c->p));
		return MLAB_E_IO;
	}
	return n;
}

unsigned capture_dropped(struct capture *c)
{
	struct pcap_stat st;
	return pcap_stats(c->p, &st) == 0 ? st.ps_drop : 0;
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	if (c->p)
		pcap_close(c->p);
	free(c);
}

static int mac_from_sys(const char *iface, uint8_t mac[6])
{
	char path[64 + IFNAMSIZ], line[64];
	unsigned v[6];
	int used = 0;
	FILE *f;

	snprintf(path, sizeof path, "/sys/class/net/%s/address", iface);
	if (!(f = fopen(path, "r")))
		return MLAB_E_IO;
	if (!fgets(line, sizeof line, f)) {
		fclose(f);
		return MLAB_E_IO;
	}
	fclose(f);
	if (sscanf(line, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &used) != 6 ||
	    (line[used] != '\n' && line[used] != '\0'))
		return MLAB_E_IO;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

int capture_iface_mac(const char *iface, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd, ok = 0;

	if (strlen(iface) >= IFNAMSIZ)
		return MLAB_E_IO;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, iface);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0) {
		ok = ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 && ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER;
		close(fd);
	}
	if (!ok)
		return mac_from_sys(iface, mac);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

int capture_filter(struct capture *c, const char *expr, char msg[CAPTURE_MSG_LEN])
{
	struct bpf_program prog;
	if (pcap_compile(c->p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		say(msg, "bad capture filter '%s': %s", expr, pcap_geterr(c->p));
		return MLAB_E_ARG;
	}
	int r = pcap_setfilter(c->p, &prog);
	pcap_freecode(&prog);
	if (r != 0) {
		say(msg, "cannot set the capture filter on %s: %s", c->iface, pcap_geterr(c->p));
		return MLAB_E_IO;
	}
	return 0;
}

int capture_inject(struct capture *c, const uint8_t *frame, size_t len)
{
	return pcap_inject(c->p, frame, len) == (int)len ? 0 : MLAB_E_IO;
}

int capture_iface_ip4(const char *iface, uint32_t *ip)
{
	struct ifreq ifr;
	int fd, ok = 0;

	if (strlen(iface) >= IFNAMSIZ)
		return MLAB_E_IO;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, iface);
	ifr.ifr_addr.sa_family = AF_INET;
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0) {
		ok = ioctl(fd, SIOCGIFADDR, &ifr) == 0;
		close(fd);
	}
	if (!ok)
		return MLAB_E_IO;
	*ip = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
	return 0;
}
