/* Download progress: a live per-blob table on a TTY, one line per finished blob otherwise, nothing with --quiet. */
#ifndef KEEL_PROGRESS_H
#define KEEL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum progress_mode
{
  PROGRESS_QUIET,
  PROGRESS_LINES, /* not a TTY: "Copying blob sha256:… done" lines */
  PROGRESS_LIVE,  /* a TTY: redrawn bars with bytes, rate and ETA */
};

enum progress_state
{
  PROGRESS_WAITING,
  PROGRESS_RUNNING,
  PROGRESS_DONE,
  PROGRESS_SKIPPED, /* already in the store */
  PROGRESS_FAILED,
};

struct progress;

/* OUT is where lines go (stderr for pull, so stdout stays the digest). */
struct progress *progress_new (enum progress_mode mode, FILE *out);
/* The mode for OUT: LIVE when it is a TTY, LINES otherwise, QUIET when QUIET. */
enum progress_mode progress_mode_for (FILE *out, bool quiet);
/* Register a blob; returns its slot. */
int progress_add (struct progress *p, const char *digest, int64_t total);
void progress_update (struct progress *p, int slot, uint64_t done);
void progress_set_state (struct progress *p, int slot, enum progress_state st);
/* Redraw if the live display is due (at most every 200 ms unless FORCE). */
void progress_draw (struct progress *p, bool force);
void progress_free (struct progress *p);

#endif
