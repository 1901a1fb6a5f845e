/* mallory's options as data (mlab_optab.h). */
#ifndef MALLORY_OPTAB_H
#define MALLORY_OPTAB_H

#include "mlab_optab.h"

extern const struct mlab_opt mallory_optab[];

#endif
