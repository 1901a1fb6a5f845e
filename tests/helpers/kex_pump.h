/* Two kex engines talking in memory: the frames one wrote, fed to the other. */
#ifndef TEST_KEX_PUMP_H
#define TEST_KEX_PUMP_H

#include "mlab_kex.h"

/* Feeds every frame in `from` to `to` (replies appended to `reply`), then
 * empties `from`. Returns 0 or the first error. */
int kex_deliver(struct mlab_wr *from, struct mlab_kex *to, struct mlab_wr *reply);

#endif
