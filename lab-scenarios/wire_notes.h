/* Frame comments for wire.pcapng: what the lab knows about a frame, from the
 * run's events and the lab plan ("ARP reply forged by mallory", "mallory's
 * key share toward bob, in place of alice's", "record #1 altered by mallory:
 * …"). A frame is matched by what it carries (a share's bytes, a record's
 * sequence number, a message type) and by who put it on the wire (the source
 * MAC at its port), never by time: the events' clock is not the capture's. */
#ifndef LAB_WIRE_NOTES_H
#define LAB_WIRE_NOTES_H

#include <jansson.h>

#include "wire_log.h"

/* One comment per frame of w (NULL where nothing is known), w sorted in time
 * order; free with wire_notes_free(c, w->n). NULL when out of memory. */
char **wire_notes(const struct wire_log *w, const json_t *events);
void wire_notes_free(char **c, size_t n);

#endif
