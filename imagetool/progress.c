/* Download progress display: live on a TTY (bytes, rate, ETA per blob), plain lines otherwise. */
#include "config.h"
#include "progress.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct progress_item
{
  char short_digest[20]; /* "sha256:0123456789ab" */
  int64_t total;
  uint64_t done;
  enum progress_state state;
  double started;
};

struct progress
{
  enum progress_mode mode;
  FILE *out;
  struct progress_item *items;
  int n;
  int drawn; /* lines drawn by the last live redraw */
  double last_draw;
};

static double now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum progress_mode progress_mode_for (FILE *out, bool quiet)
{
  if (quiet)
    return PROGRESS_QUIET;
  return isatty (fileno (out)) ? PROGRESS_LIVE : PROGRESS_LINES;
}

struct progress *progress_new (enum progress_mode mode, FILE *out)
{
  struct progress *p = calloc (1, sizeof *p);
  if (p != NULL)
    {
      p->mode = mode;
      p->out = out;
    }
  return p;
}

int progress_add (struct progress *p, const char *digest, int64_t total)
{
  struct progress_item *items = realloc (p->items, (size_t)(p->n + 1) * sizeof *items);
  if (items == NULL)
    return -1;
  p->items = items;
  memset (&items[p->n], 0, sizeof items[p->n]);
  snprintf (items[p->n].short_digest, sizeof items[p->n].short_digest, "%s", digest);
  items[p->n].total = total;
  return p->n++;
}

void progress_update (struct progress *p, int slot, uint64_t done)
{
  if (slot >= 0 && slot < p->n)
    p->items[slot].done = done;
}

static void human (uint64_t n, char *buf, size_t len)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB" };
  double v = (double)n;
  int u = 0;
  while (v >= 1024 && u < 3)
    {
      v /= 1024;
      u++;
    }
  snprintf (buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void progress_set_state (struct progress *p, int slot, enum progress_state st)
{
  struct progress_item *it;
  char size[32];

  if (slot < 0 || slot >= p->n)
    return;
  it = &p->items[slot];
  if (st == PROGRESS_RUNNING && it->state != PROGRESS_RUNNING)
    it->started = now ();
  it->state = st;
  if (p->mode != PROGRESS_LINES)
    return;
  human (st == PROGRESS_DONE ? it->done : (uint64_t)(it->total > 0 ? it->total : 0), size, sizeof size);
  if (st == PROGRESS_DONE)
    fprintf (p->out, "Copying blob %s done (%s)\n", it->short_digest, size);
  else if (st == PROGRESS_SKIPPED)
    fprintf (p->out, "Copying blob %s skipped: already exists\n", it->short_digest);
  else if (st == PROGRESS_FAILED)
    fprintf (p->out, "Copying blob %s failed\n", it->short_digest);
  fflush (p->out);
}

static void draw_item (struct progress *p, const struct progress_item *it, double t)
{
  static const char *const label[] = { "waiting", "", "done", "exists", "failed" };
  char done[32], total[32], rate_s[32] = "", eta_s[32] = "";
  char bar[21];
  double frac = it->total > 0 ? (double)it->done / (double)it->total : 0;
  int filled = (int)(frac * 20);

  if (it->state == PROGRESS_DONE || it->state == PROGRESS_SKIPPED)
    filled = 20;
  for (int i = 0; i < 20; i++)
    bar[i] = i < filled ? '=' : ' ';
  bar[20] = '\0';
  human (it->done, done, sizeof done);
  human ((uint64_t)(it->total > 0 ? it->total : 0), total, sizeof total);
  if (it->state == PROGRESS_RUNNING && t - it->started > 0.2)
    {
      double rate = (double)it->done / (t - it->started);
      human ((uint64_t)rate, rate_s, sizeof rate_s);
      strcat (rate_s, "/s");
      if (rate > 0 && it->total > 0)
        snprintf (eta_s, sizeof eta_s, "ETA %.0fs", ((double)it->total - (double)it->done) / rate);
    }
  fprintf (p->out, "\033[2K%s [%s] %s / %s %s %s%s\n", it->short_digest, bar, done, total, rate_s, eta_s,
           label[it->state]);
}

void progress_draw (struct progress *p, bool force)
{
  double t = now ();

  if (p->mode != PROGRESS_LIVE || (!force && t - p->last_draw < 0.2))
    return;
  p->last_draw = t;
  if (p->drawn > 0)
    fprintf (p->out, "\033[%dA", p->drawn); /* back to the first line of the table */
  for (int i = 0; i < p->n; i++)
    draw_item (p, &p->items[i], t);
  p->drawn = p->n;
  fflush (p->out);
}

void progress_free (struct progress *p)
{
  if (p == NULL)
    return;
  free (p->items);
  free (p);
}
