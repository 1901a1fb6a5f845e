/* The control of a blocked run: the same scenario without mallory (and
 * without a later phase) must end confidential, or the defense earns
 * nothing — mitmlab check and mitmlab grade. */
#ifndef UI_CONTROL_H
#define UI_CONTROL_H

#include <stddef.h>

#include "commands.h"
#include "lab_child.h"
#include "scenario.h"

/* Runs it in DIR-control. NULL when the peers talk; else why not (in why). */
const char *ui_control(const struct scenario *sc, const struct lab_paths *paths, const char *dir, char *why, size_t n);

#endif
