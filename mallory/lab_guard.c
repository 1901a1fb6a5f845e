/* The safety rail (see lab_guard.h). */
#include "lab_guard.h"

#include <stdio.h>
#include <string.h>

#include "capture.h"

static const unsigned char lab_mac[6] = {0x02, 0, 0, 0, 0, 0x66};

/* The initial user namespace maps the whole uid range: "0 0 4294967295". */
static bool in_initial_userns(void)
{
	FILE *f = fopen("/proc/self/uid_map", "r");
	unsigned long a = 0, b = 0, n = 0;
	bool initial = true; /* unreadable: assume the worst */
	if (f) {
		if (fscanf(f, "%lu %lu %lu", &a, &b, &n) == 3)
			initial = a == 0 && b == 0 && n == 4294967295UL;
		fclose(f);
	}
	return initial;
}

int lab_guard_check(const char *iface, bool armed, char *msg, size_t len)
{
	uint8_t mac[6];
	bool lab_mac_ok = capture_iface_mac(iface, mac) == 0 && memcmp(mac, lab_mac, 6) == 0;

	if (armed)
		return 0;
	if (!in_initial_userns() && lab_mac_ok)
		return 0;
	snprintf(msg, len,
		 "refusing to transmit on %s: it is not mallory's interface in a mitmlab lab namespace (%s). Attacks "
		 "run inside the lab: mitmlab run NAME. To attack a network you own and are allowed to test, add "
		 "--iface %s --armed.",
		 iface,
		 in_initial_userns() ? "this is the host's user namespace"
				     : "its MAC is not the lab's 02:00:00:00:00:66",
		 iface);
	return -1;
}
