/* Diagnostics to stderr or a log file, as text or as the JSON lines containerd reads. */
#include "config.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "json.h"
#include "timefmt.h"

static const char *level_name (enum log_level l)
{
  switch (l)
    {
    case LOG_LEVEL_ERROR:
      return "error";
    case LOG_LEVEL_WARNING:
      return "warning";
    case LOG_LEVEL_INFO:
      return "info";
    case LOG_LEVEL_DEBUG:
      return "debug";
    }
  return "error";
}

int log_open (log_options *o, const char *file, keel_error **err)
{
  int fd;
  if (file == NULL)
    return 0;
  fd = open (file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return keel_err_errno (err, "open log file `%s`", file);
  o->fd = fd;
  return 0;
}

static void emit_json (const log_options *o, enum log_level level, const char *msg)
{
  _cleanup_json_gen_ yajl_gen g = json_gen_new (false);
  const unsigned char *buf;
  size_t len;
  char ts[64];

  if (g == NULL)
    return;
  timefmt_now_rfc3339 (ts, sizeof (ts));
  yajl_gen_map_open (g);
  json_gen_kv_str (g, "level", level_name (level));
  json_gen_kv_str (g, "msg", msg);
  json_gen_kv_str (g, "time", ts);
  yajl_gen_map_close (g);
  if (yajl_gen_get_buf (g, &buf, &len) == yajl_gen_status_ok)
    {
      write_all (o->fd, buf, len);
      write_all (o->fd, "\n", 1);
    }
}

static void vlog (const log_options *o, enum log_level level, const char *fmt, va_list ap)
{
  _cleanup_free_ char *msg = NULL, *line = NULL;
  int n;

  if (level > o->level)
    return;
  if (vasprintf (&msg, fmt, ap) < 0)
    return;
  if (o->format == LOG_FORMAT_JSON)
    {
      emit_json (o, level, msg);
      return;
    }
  if (level == LOG_LEVEL_ERROR)
    n = asprintf (&line, "%s: %s\n", o->program, msg);
  else
    n = asprintf (&line, "%s: %s: %s\n", o->program, level_name (level), msg);
  if (n > 0)
    write_all (o->fd, line, (size_t)n);
}

void log_msg (const log_options *o, enum log_level level, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vlog (o, level, fmt, ap);
  va_end (ap);
}

void log_error (const log_options *o, const keel_error *err)
{
  log_msg (o, LOG_LEVEL_ERROR, "%s", err != NULL && err->msg != NULL ? err->msg : "unknown error");
}
