/* Error values carried up the call chain, each layer adding its context. */
#ifndef KEEL_ERROR_H
#define KEEL_ERROR_H

#include <stdarg.h>

/* An error: a message that already holds all context, plus the errno that
 * caused it (0 when none). Functions that can fail take `keel_error **err`,
 * return -1 and set *err; on success they return >= 0 and leave *err alone. */
typedef struct keel_error
{
  int errnum;
  char *msg;
} keel_error;

/* Set *err to "<fmt>" (and ": strerror(errnum)" when errnum != 0). Returns -1.
 * When *err is already set, it is freed first. */
int keel_err (keel_error **err, int errnum, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

/* Same as keel_err with errno as the cause. Returns -1. */
int keel_err_errno (keel_error **err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Prefix the existing error with "<fmt>: ". Returns -1. */
int keel_err_prefix (keel_error **err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

void keel_error_free (keel_error *err);
void keel_error_freep (keel_error **err);

/* Move *from into *to (freeing an older *to). */
void keel_error_move (keel_error **to, keel_error **from);

#define _cleanup_error_ __attribute__ ((cleanup (keel_error_freep)))

#endif
