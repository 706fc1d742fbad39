/* Error values carried up the call chain, each layer adding its context. */
#include "config.h"
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat (const char *fmt, va_list ap)
{
  char *s = NULL;
  if (vasprintf (&s, fmt, ap) < 0)
    return NULL;
  return s;
}

static int set_error (keel_error **err, int errnum, char *msg)
{
  keel_error *e;

  if (err == NULL)
    {
      free (msg);
      return -1;
    }
  keel_error_free (*err);
  e = calloc (1, sizeof (*e));
  if (e == NULL)
    {
      free (msg);
      *err = NULL;
      return -1;
    }
  e->errnum = errnum;
  if (msg != NULL && errnum != 0)
    {
      char *full = NULL;
      if (asprintf (&full, "%s: %s", msg, strerror (errnum)) >= 0)
        {
          free (msg);
          msg = full;
        }
    }
  e->msg = msg != NULL ? msg : strdup ("out of memory");
  *err = e;
  return -1;
}

int keel_err (keel_error **err, int errnum, const char *fmt, ...)
{
  va_list ap;
  char *msg;

  va_start (ap, fmt);
  msg = vformat (fmt, ap);
  va_end (ap);
  return set_error (err, errnum, msg);
}

int keel_err_errno (keel_error **err, const char *fmt, ...)
{
  int saved = errno;
  va_list ap;
  char *msg;

  va_start (ap, fmt);
  msg = vformat (fmt, ap);
  va_end (ap);
  return set_error (err, saved, msg);
}

int keel_err_prefix (keel_error **err, const char *fmt, ...)
{
  va_list ap;
  char *prefix, *full = NULL;

  if (err == NULL || *err == NULL)
    return -1;
  va_start (ap, fmt);
  prefix = vformat (fmt, ap);
  va_end (ap);
  if (prefix != NULL && asprintf (&full, "%s: %s", prefix, (*err)->msg) >= 0)
    {
      free ((*err)->msg);
      (*err)->msg = full;
    }
  free (prefix);
  return -1;
}

void keel_error_free (keel_error *err)
{
  if (err == NULL)
    return;
  free (err->msg);
  free (err);
}

void keel_error_freep (keel_error **err)
{
  keel_error_free (*err);
  *err = NULL;
}

void keel_error_move (keel_error **to, keel_error **from)
{
  keel_error_free (*to);
  *to = *from;
  *from = NULL;
}
