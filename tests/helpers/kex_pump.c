/* In-memory engine pump (see kex_pump.h). */
#include "kex_pump.h"

#include <string.h>

struct mlab_kex_config kex_cfg(enum mlab_role role, uint8_t mode, uint16_t group, uint8_t cipher)
{
	struct mlab_kex_config c;
	memset(&c, 0, sizeof c);
	c.role = role;
	c.modes[0] = mode;
	c.n_modes = 1;
	c.groups[0] = group;
	c.n_groups = 1;
	c.ciphers[0] = cipher;
	c.n_ciphers = 1;
	c.scope = MLAB_SCOPE_TRANSCRIPT;
	c.validate_shares = true;
	return c;
}

int kex_deliver(struct mlab_wr *from, struct mlab_kex *to, struct mlab_wr *reply)
{
	struct mlab_rd r;
	uint8_t type;
	const uint8_t *body;
	uint32_t len;
	int e = 0;

	mlab_rd_init(&r, from->p, from->len);
	while (e == 0 && mlab_frame_next(&r, &type, &body, &len) == 0)
		e = mlab_kex_input(to, type, body, len, reply);
	from->len = 0;
	return e;
}
