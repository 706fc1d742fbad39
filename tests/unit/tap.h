/* A minimal TAP producer for the C unit tests: ok/is/like with a plan printed at the end. */
#ifndef KEEL_TAP_H
#define KEEL_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count, tap_failed;

static inline int tap_ok (int cond, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static inline int tap_ok (int cond, const char *fmt, ...)
{
  va_list ap;
  tap_count++;
  if (!cond)
    tap_failed++;
  printf ("%sok %d - ", cond ? "" : "not ", tap_count);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
  fflush (stdout);
  return cond;
}

/* String equality with a diagnostic showing both sides. */
#define tap_is(got, want, ...)                                                                                         \
  do                                                                                                                   \
    {                                                                                                                  \
      const char *_g = (got), *_w = (want);                                                                            \
      if (!tap_ok (_g != NULL && _w != NULL ? strcmp (_g, _w) == 0 : _g == _w, __VA_ARGS__))                           \
        printf ("#   got:  %s\n#   want: %s\n", _g ? _g : "(null)", _w ? _w : "(null)");                               \
    }                                                                                                                  \
  while (0)

/* Substring match. */
#define tap_like(got, part, ...)                                                                                       \
  do                                                                                                                   \
    {                                                                                                                  \
      const char *_g = (got), *_p = (part);                                                                            \
      if (!tap_ok (_g != NULL && strstr (_g, _p) != NULL, __VA_ARGS__))                                                \
        printf ("#   got:  %s\n#   want substring: %s\n", _g ? _g : "(null)", _p);                                     \
    }                                                                                                                  \
  while (0)

static inline void tap_skip (const char *why)
{
  tap_count++;
  printf ("ok %d # skip %s\n", tap_count, why);
}

static inline int tap_done (void)
{
  printf ("1..%d\n", tap_count);
  return tap_failed == 0 ? 0 : 1;
}

#endif
