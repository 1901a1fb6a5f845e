/* In-memory engine pump (see kex_pump.h). */
#include "kex_pump.h"

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
