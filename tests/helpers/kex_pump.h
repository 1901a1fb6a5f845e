/* Two kex engines talking in memory: the frames one wrote, fed to the other. */
#ifndef TEST_KEX_PUMP_H
#define TEST_KEX_PUMP_H

#include "mlab_kex.h"

/* One mode, one group, one cipher; transcript scope, shares validated, no
 * keys, no policy: the suites change what a test is about. */
struct mlab_kex_config kex_cfg(enum mlab_role role, uint8_t mode, uint16_t group, uint8_t cipher);

/* Feeds every frame in `from` to `to` (replies appended to `reply`), then
 * empties `from`. Returns 0 or the first error. */
int kex_deliver(struct mlab_wr *from, struct mlab_kex *to, struct mlab_wr *reply);

#endif
