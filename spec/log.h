/* Diagnostics to stderr or a log file, as text or as the JSON lines containerd reads. */
#ifndef KEEL_LOG_H
#define KEEL_LOG_H

#include <stdbool.h>

#include "error.h"

enum log_level
{
  LOG_LEVEL_ERROR,
  LOG_LEVEL_WARNING,
  LOG_LEVEL_INFO,
  LOG_LEVEL_DEBUG
};
enum log_format
{
  LOG_FORMAT_TEXT,
  LOG_FORMAT_JSON
};

/* Where and how to log; set from the CLI options and passed to log_* calls. */
typedef struct log_options
{
  const char *program; /* "runtime" or "imagetool": text lines start with it */
  int fd;              /* stderr, or the --log file */
  enum log_format format;
  enum log_level level; /* messages above it are dropped; --debug raises it */
} log_options;

/* Open FILE (append) as the log destination; NULL keeps stderr. */
int log_open (log_options *o, const char *file, keel_error **err);
void log_msg (const log_options *o, enum log_level level, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
/* Log an error value (at error level). */
void log_error (const log_options *o, const keel_error *err);

#endif
