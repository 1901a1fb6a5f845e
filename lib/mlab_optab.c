/* Option table lookup (mlab_optab.h). */
#include "mlab_optab.h"

#include <string.h>

const struct mlab_opt *mlab_opt_find(const struct mlab_opt *table, const char *name, unsigned who)
{
	for (const struct mlab_opt *o = table; name && o->name; o++)
		if (strcmp(o->name, name) == 0 && (!who || (o->who & who)))
			return o;
	return NULL;
}
