/* File helpers shared by both programs: whole-file reads, atomic writes, directory creation. */
#include "config.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      p += n;
      len -= (size_t)n;
    }
  return 0;
}

int read_file_at (int dirfd, const char *path, char **out, size_t *len, keel_error **err)
{
  _cleanup_close_ int fd = -1;
  _cleanup_free_ char *buf = NULL;
  size_t size = 0, cap = 4096;

  fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return keel_err_errno (err, "open `%s`", path);
  buf = malloc (cap);
  if (buf == NULL)
    return keel_err (err, ENOMEM, "read `%s`", path);
  for (;;)
    {
      ssize_t n;
      if (size + 1 >= cap)
        {
          char *nb = realloc (buf, cap * 2);
          if (nb == NULL)
            return keel_err (err, ENOMEM, "read `%s`", path);
          buf = nb;
          cap *= 2;
        }
      n = read (fd, buf + size, cap - size - 1);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return keel_err_errno (err, "read `%s`", path);
        }
      if (n == 0)
        break;
      size += (size_t)n;
    }
  buf[size] = '\0';
  *out = keel_steal_ptr (buf);
  if (len != NULL)
    *len = size;
  return 0;
}

int read_file (const char *path, char **out, size_t *len, keel_error **err)
{
  return read_file_at (AT_FDCWD, path, out, len, err);
}

int write_file_atomic (const char *path, const void *data, size_t len, mode_t mode, int durable, keel_error **err)
{
  _cleanup_free_ char *tmp = NULL;
  _cleanup_close_ int fd = -1;

  if (asprintf (&tmp, "%s.tmp-XXXXXX", path) < 0)
    return keel_err (err, ENOMEM, "write `%s`", path);
  fd = mkostemp (tmp, O_CLOEXEC);
  if (fd < 0)
    return keel_err_errno (err, "create `%s`", tmp);
  if (fchmod (fd, mode) < 0 || write_all (fd, data, len) < 0 || (durable && fsync (fd) < 0))
    {
      keel_err_errno (err, "write `%s`", tmp);
      unlink (tmp);
      return -1;
    }
  if (close (keel_steal_fd (fd)) < 0 || rename (tmp, path) < 0)
    {
      keel_err_errno (err, "rename `%s` to `%s`", tmp, path);
      unlink (tmp);
      return -1;
    }
  return 0;
}

int mkdir_p (const char *path, mode_t mode, keel_error **err)
{
  _cleanup_free_ char *p = strdup (path);

  if (p == NULL)
    return keel_err (err, ENOMEM, "mkdir `%s`", path);
  for (char *s = p + 1; *s != '\0'; s++)
    {
      if (*s != '/')
        continue;
      *s = '\0';
      if (mkdir (p, mode) < 0 && errno != EEXIST)
        return keel_err_errno (err, "mkdir `%s`", p);
      *s = '/';
    }
  if (mkdir (p, mode) < 0 && errno != EEXIST)
    return keel_err_errno (err, "mkdir `%s`", p);
  return 0;
}
