/* __attribute__((cleanup)) helpers for memory, fds, FILE*, DIR* and yajl trees. */
#ifndef KEEL_CLEANUP_H
#define KEEL_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void keel_freep (void *p)
{
  free (*(void **)p);
}

static inline void keel_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
  *fd = -1;
}

static inline void keel_fclosep (FILE **f)
{
  if (*f != NULL)
    fclose (*f);
  *f = NULL;
}

static inline void keel_closedirp (DIR **d)
{
  if (*d != NULL)
    closedir (*d);
  *d = NULL;
}

/* A NULL-terminated array of strings. */
static inline void keel_strv_freep (char ***v)
{
  if (*v != NULL)
    {
      for (char **p = *v; *p != NULL; p++)
        free (*p);
      free (*v);
    }
  *v = NULL;
}

#define _cleanup_free_ __attribute__ ((cleanup (keel_freep)))
#define _cleanup_close_ __attribute__ ((cleanup (keel_closep)))
#define _cleanup_fclose_ __attribute__ ((cleanup (keel_fclosep)))
#define _cleanup_closedir_ __attribute__ ((cleanup (keel_closedirp)))
#define _cleanup_strv_ __attribute__ ((cleanup (keel_strv_freep)))

/* Hand ownership out of a cleanup variable. */
#define keel_steal_ptr(p)                                                                                              \
  ({                                                                                                                   \
    __typeof__ (p) _tmp = (p);                                                                                         \
    (p) = NULL;                                                                                                        \
    _tmp;                                                                                                              \
  })
#define keel_steal_fd(fd)                                                                                              \
  ({                                                                                                                   \
    int _tmp = (fd);                                                                                                   \
    (fd) = -1;                                                                                                         \
    _tmp;                                                                                                              \
  })

#endif
