/* The report's part on certificates and trust on first use: the chain as
 * alice saw it with each check, a click-through, the TOFU verdict, the chain
 * bob sent — and, apart, whose certificate alice really got. Read from the
 * event stream only; each line goes to a callback (report.c formats it). */
#ifndef LAB_REPORT_CERT_H
#define LAB_REPORT_CERT_H

#include <jansson.h>

typedef void (*report_line_fn)(void *arg, const char *label, const char *text);

/* actor's own view ("alice" or "bob"): nothing when it saw no certificate. */
void report_cert_lines(const json_t *events, const char *actor, report_line_fn line, void *arg);
/* The lab's truth: whose chain alice received, whose key she stored. */
void report_cert_truth(const json_t *events, report_line_fn line, void *arg);
/* report.json: {"chain":[...],"checks":[...],"clicked_through":..,"tofu":..}
 * for actor, or NULL when it saw none. */
json_t *report_cert_json(const json_t *events, const char *actor);

#endif
