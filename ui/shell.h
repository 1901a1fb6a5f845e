/* Held labs from the front end: `mitmlab run --hold / --paused` (what their
 * notices mean for the user) and `mitmlab shell HOST`, which enters one
 * (lab-scenarios/lab_hold.h; docs/scenarios.md §6.2). */
#ifndef UI_SHELL_H
#define UI_SHELL_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Exit statuses of `mitmlab shell` besides its command's. */
enum { SHELL_USAGE = 2, SHELL_NO_LAB = 3, SHELL_CANNOT_RUN = 126, SHELL_NOT_FOUND = 127 };

/* mitmlab shell HOST [-- COMMAND [ARGS...]]; argv holds what follows "shell". */
int ui_shell(int argc, char **argv);

/* Before `mitmlab run --hold` or `--paused`: the state file's path (its
 * directory made). Refuses when a held lab is already up; removes a stale
 * file. 0, or -1 with err. */
int ui_hold_prepare(char *path, size_t len, char *err, size_t errlen);
/* Removes the state file if the lab whose init is lab_pid left it. */
void ui_hold_forget(const char *path, int lab_pid);
/* Tells the user what a lab's notice means (how to enter it, how it ends). */
void ui_hold_tell(FILE *f, const json_t *notice);

#endif
