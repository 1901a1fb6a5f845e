/* Internet checksums (see netsum.h). */
#include "netsum.h"

uint32_t netsum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;
	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < n)
		sum += (uint32_t)(p[i] << 8);
	return sum;
}

uint16_t netsum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int netsum_fix_ip4(uint8_t *ip, size_t ip_len)
{
	if (ip_len < 20 || (ip[0] >> 4) != 4)
		return -1;
	size_t hl = (size_t)(ip[0] & 15) * 4, total = (size_t)(ip[2] << 8 | ip[3]);
	if (hl < 20 || total < hl || total > ip_len)
		return -1;
	ip[10] = ip[11] = 0;
	uint16_t c = netsum_fold(netsum_add(0, ip, hl));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	/* Fragments carry no whole transport header to fix. */
	if ((ip[6] & 0x3f) || ip[7])
		return 0;
	uint8_t proto = ip[9], *l4 = ip + hl;
	size_t l4_len = total - hl, off;
	if (proto == 6 && l4_len >= 20)
		off = 16;
	else if (proto == 17 && l4_len >= 8)
		off = 6;
	else
		return 0;
	l4[off] = l4[off + 1] = 0;
	/* Pseudo-header: addresses, protocol, length. */
	uint32_t sum = netsum_add(0, ip + 12, 8) + proto + (uint32_t)l4_len;
	c = netsum_fold(netsum_add(sum, l4, l4_len));
	if (proto == 17 && c == 0)
		c = 0xffff; /* UDP: 0 means "no checksum" */
	l4[off] = (uint8_t)(c >> 8);
	l4[off + 1] = (uint8_t)c;
	return 0;
}
