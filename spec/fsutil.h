/* File helpers shared by both programs: whole-file reads, atomic writes, directory creation. */
#ifndef KEEL_FSUTIL_H
#define KEEL_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Read a whole file into a NUL-terminated malloc'd buffer (len excludes the NUL). */
int read_file (const char *path, char **out, size_t *len, keel_error **err);
int read_file_at (int dirfd, const char *path, char **out, size_t *len, keel_error **err);

/* Write DATA to PATH atomically: a temp file beside it, fsync when DURABLE, rename. */
int write_file_atomic (const char *path, const void *data, size_t len, mode_t mode, int durable, keel_error **err);

/* mkdir -p with MODE for every created component. */
int mkdir_p (const char *path, mode_t mode, keel_error **err);

/* Write all of BUF to FD, retrying on EINTR and short writes. */
int write_all (int fd, const void *buf, size_t len);

#endif
