/* The project's version, one place for every program's --version. */
#ifndef MLAB_VERSION_H
#define MLAB_VERSION_H

#include <stdio.h>

#define MITMLAB_VERSION "0.14.0"

/* "PROG (mitmlab) 0.14.0" and the OpenSSL it runs with, on stdout. */
void mlab_print_version(const char *prog);

#endif
