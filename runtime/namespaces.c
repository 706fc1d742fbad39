/* Namespaces: which to create at clone/unshare time, joining existing ones by path, time offsets. */
#include "config.h"
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* pid and time namespaces only take effect for children, so the parent
 * enters them before clone3; user and pid are created by clone3 itself (the
 * child must be pid 1, and the maps are written for it); the rest are
 * unshared by the child after joining any namespaces given by path. */
int ns_clone_flags (const struct runtime_config *cfg, unsigned long *clone_flags, unsigned long *unshare_flags,
                    keel_error **err)
{
  const struct rc_linux *l = cfg->linux_;

  *clone_flags = *unshare_flags = 0;
  for (size_t i = 0; l != NULL && i < l->namespaces_len; i++)
    {
      const struct rc_namespace *n = &l->namespaces[i];
      unsigned long f = (unsigned long)rc_namespace_clone_flag (n->type);
      if (n->path != NULL)
        continue;
      if (n->type == RC_NS_USER || n->type == RC_NS_PID)
        *clone_flags |= f;
      else if (n->type != RC_NS_TIME)
        *unshare_flags |= f;
    }
  return 0;
}

/* config-linux.md "Namespaces": a path MUST be a namespace of the given type. */
static int open_ns (const struct rc_namespace *n, int *out, keel_error **err)
{
  int fd = open (n->path, O_RDONLY | O_CLOEXEC);
  int type;

  if (fd < 0)
    return keel_err_errno (err, "linux.namespaces: open %s namespace `%s`", rc_namespace_type_name (n->type), n->path);
  type = ioctl (fd, NS_GET_NSTYPE);
  if (type < 0 || type != rc_namespace_clone_flag (n->type))
    {
      close (fd);
      return keel_err (err, 0, "linux.namespaces: `%s` is not a %s namespace", n->path,
                       rc_namespace_type_name (n->type));
    }
  *out = fd;
  return 0;
}

/* setns into the user namespace we are already in fails with EINVAL. */
static bool is_current_userns (int fd)
{
  struct stat a, b;
  return fstat (fd, &a) == 0 && stat ("/proc/self/ns/user", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Whether namespace N is one this ns_join_paths call joins (see below). */
static bool joined_here (const struct rc_namespace *n, bool pid_and_time)
{
  bool parent_kind = n->type == RC_NS_PID || n->type == RC_NS_TIME;
  bool rootless_user = pid_and_time && n->type == RC_NS_USER && geteuid () != 0;
  return n->path != NULL && (parent_kind == pid_and_time || rootless_user);
}

static void close_fds (int *fds, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (fds[i] >= 0)
      close (fds[i]);
}

static int setns_one (const struct rc_namespace *n, int fd, keel_error **err)
{
  if (n->type == RC_NS_USER && is_current_userns (fd))
    return 0;
  if (setns (fd, rc_namespace_clone_flag (n->type)) < 0)
    return keel_err_errno (err, "join %s namespace `%s`", rc_namespace_type_name (n->type), n->path);
  return 0;
}

int ns_join_paths (const struct runtime_config *cfg, bool pid_and_time, keel_error **err)
{
  const struct rc_linux *l = cfg->linux_;
  size_t len = l != NULL ? l->namespaces_len : 0;
  int fds[RC_NS_COUNT];
  int ret = 0;

  if (len > RC_NS_COUNT)
    return keel_err (err, 0, "linux.namespaces: more than %d entries", RC_NS_COUNT);
  /* Open every path before joining any: after setns into the mount
   * namespace, /proc/<pid>/ns/... would be looked up in the container's
   * /proc (exec names the target's namespaces that way). */
  for (size_t i = 0; i < len; i++)
    {
      fds[i] = -1;
      if (joined_here (&l->namespaces[i], pid_and_time) && open_ns (&l->namespaces[i], &fds[i], err) < 0)
        {
          close_fds (fds, i);
          return -1;
        }
    }
  /* The user namespace first: it owns the others and grants the rights to
   * join them. Rootless, only it can let the parent join pid and time
   * namespaces, so the parent joins it too (the child inherits it). */
  for (int pass = 0; pass < 2 && ret == 0; pass++)
    for (size_t i = 0; i < len && ret == 0; i++)
      if (fds[i] >= 0 && (pass == 0) == (l->namespaces[i].type == RC_NS_USER))
        ret = setns_one (&l->namespaces[i], fds[i], err);
  close_fds (fds, len);
  return ret;
}

static int write_time_offsets (const struct rc_time_offsets *t, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);

  if (f == NULL)
    return keel_err (err, ENOMEM, "time offsets");
  if (t->monotonic.present)
    fprintf (f, "monotonic %lld %u\n", (long long)t->monotonic.secs, t->monotonic.nanosecs);
  if (t->boottime.present)
    fprintf (f, "boottime %lld %u\n", (long long)t->boottime.secs, t->boottime.nanosecs);
  fclose (f);
  /* One write per line: the kernel parses a single offset per write. */
  for (char *s = buf, *line; (line = strsep (&s, "\n")) != NULL;)
    {
      _cleanup_close_ int fd = -1;
      if (*line == '\0')
        continue;
      fd = open ("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write (fd, line, strlen (line)) < 0)
        return keel_err_errno (err, "linux.timeOffsets: write `%s` to /proc/self/timens_offsets", line);
    }
  return 0;
}

int ns_prepare_parent (const struct runtime_config *cfg, keel_error **err)
{
  const struct rc_namespace *t = rc_config_find_namespace (cfg, RC_NS_TIME);

  if (ns_join_paths (cfg, true, err) < 0)
    return -1;
  if (t != NULL && t->path == NULL)
    {
      if (unshare (CLONE_NEWTIME) < 0)
        return keel_err_errno (err, "unshare time namespace");
      if (cfg->linux_->time_offsets != NULL && write_time_offsets (cfg->linux_->time_offsets, err) < 0)
        return -1;
    }
  else if (cfg->linux_ != NULL && cfg->linux_->time_offsets != NULL)
    return keel_err (err, 0, "config.json: .linux.timeOffsets: set, but no new time namespace is requested");
  return 0;
}
