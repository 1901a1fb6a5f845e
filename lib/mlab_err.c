/* The error table behind mlab_err.h. */
#include "mlab_err.h"

#include <string.h>

struct err_row {
	int code;
	const char *name;
	const char *check;
	const char *text;
};

static const struct err_row err_rows[] = {{MLAB_OK, "ok", "none", "no error"},
#define MLAB_X_ROW(c, v, n, k, s) {c, n, k, s},
					  MLAB_ERRORS(MLAB_X_ROW)
#undef MLAB_X_ROW
};

static const struct err_row unknown_row = {1, "unknown-error", "internal", "an unknown error"};

static const struct err_row *err_find(int err)
{
	for (size_t i = 0; i < sizeof err_rows / sizeof err_rows[0]; i++)
		if (err_rows[i].code == err)
			return &err_rows[i];
	return &unknown_row;
}

const char *mlab_err_name(int err)
{
	return err_find(err)->name;
}
const char *mlab_err_check(int err)
{
	return err_find(err)->check;
}
const char *mlab_err_text(int err)
{
	return err_find(err)->text;
}

int mlab_err_from_name(const char *name)
{
	for (size_t i = 1; i < sizeof err_rows / sizeof err_rows[0]; i++)
		if (strcmp(err_rows[i].name, name) == 0)
			return err_rows[i].code;
	return 0;
}
