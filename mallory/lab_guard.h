/* The safety rail (docs/events.md §2.7): mallory transmits only inside a mitmlab
 * lab namespace, unless the user armed her explicitly (--iface IF --armed).
 *
 * A lab namespace is recognised by two things the lab guarantees and a real
 * network does not: this process runs in a user namespace other than the
 * initial one (the lab maps a single uid), and the interface carries the lab
 * plan's MAC for mallory (02:00:00:00:00:66). */
#ifndef LAB_GUARD_H
#define LAB_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/* 0: she may transmit on iface; -1: refused, msg says why and what to do. */
int lab_guard_check(const char *iface, bool armed, char *msg, size_t len);

#endif
