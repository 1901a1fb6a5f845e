/* libFuzzer over mallory's ClientHello rewrite (mallory/tls_hello.c): any
 * record, never a read or write outside it, and a stripped hello is a
 * well-formed one without the extension (stripping it again finds none). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *rec = malloc(size ? size : 1), *out = malloc(size ? size : 1), *again = malloc(size ? size : 1);
	size_t n = 0, m = 0;
	if (!rec || !out || !again)
		abort();
	memcpy(rec, data, size);
	int r = tls_hello_strip_versions(rec, size, out, size, &n);
	if (r < -1 || r > 1 || n > size || (r != 1 && n != 0))
		abort();
	if (r == 1 && (n >= size || tls_hello_strip_versions(out, n, again, n, &m) != 0))
		abort();
	free(rec);
	free(out);
	free(again);
	return 0;
}
