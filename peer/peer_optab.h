/* alice's and bob's options as data (mlab_optab.h). */
#ifndef PEER_OPTAB_H
#define PEER_OPTAB_H

#include "mlab_optab.h"

extern const struct mlab_opt peer_optab[];
/* The limit of a numeric option (table entry must exist). */
unsigned long long peer_opt_max(const char *name);
unsigned long long peer_opt_min(const char *name);

#endif
