/* The container's root: propagation, the rootfs bind, pivot_root (or MS_MOVE+chroot), masked and read-only paths. */
#include "config.h"
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

/* Before any mount: keep our mounts from propagating back to the host. */
static int root_propagation (const struct runtime_config *cfg, keel_error **err)
{
  unsigned long flags = MS_SLAVE | MS_REC;
  const char *p = cfg->linux_ != NULL ? cfg->linux_->rootfs_propagation : NULL;

  /* config-linux.md "Rootfs Mount Propagation"; shared/unbindable are applied
   * after pivot_root, the host side must not become shared with us. */
  if (p != NULL && rc_propagation_from_name (p, &flags) < 0)
    return keel_err (err, 0, "config.json: .linux.rootfsPropagation: unknown value `%s`", p);
  if (flags & (MS_SHARED | MS_UNBINDABLE))
    flags = MS_SLAVE | MS_REC;
  flags |= MS_REC;
  if (mount (NULL, "/", NULL, flags, NULL) < 0)
    return keel_err_errno (err, "make / %s", flags & MS_PRIVATE ? "private" : "slave");
  return 0;
}

int rootfs_prepare (const init_args *a, keel_error **err)
{
  _cleanup_close_ int rootfd = -1;

  if (root_propagation (a->cfg, err) < 0)
    return -1;
  /* pivot_root needs the new root to be a mount point. */
  if (mount (a->rootfs, a->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return keel_err_errno (err, "bind rootfs `%s`", a->rootfs);
  rootfd = open (a->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return keel_err_errno (err, "open rootfs `%s`", a->rootfs);
  if (mounts_apply (a, rootfd, err) < 0 || devices_create (a, rootfd, err) < 0 || devices_links (rootfd, err) < 0)
    return -1;
  return 0;
}

static int do_pivot (const char *rootfs, keel_error **err)
{
  _cleanup_close_ int oldroot = open ("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  _cleanup_close_ int newroot = open (rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

  if (oldroot < 0 || newroot < 0)
    return keel_err_errno (err, "open roots");
  /* pivot_root(".", "."): the old root ends up stacked under the new one and
   * is detached right away, so no directory is needed for it. */
  if (fchdir (newroot) < 0 || syscall (SYS_pivot_root, ".", ".") < 0)
    return keel_err_errno (err, "pivot_root to `%s`", rootfs);
  if (fchdir (oldroot) < 0 || mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || umount2 (".", MNT_DETACH) < 0)
    return keel_err_errno (err, "detach the old root");
  if (chdir ("/") < 0)
    return keel_err_errno (err, "chdir /");
  return 0;
}

/* --no-pivot: for a rootfs on ramfs, where pivot_root is not allowed. */
static int do_move_chroot (const char *rootfs, keel_error **err)
{
  if (chdir (rootfs) < 0 || mount (rootfs, "/", NULL, MS_MOVE, NULL) < 0 || chroot (".") < 0 || chdir ("/") < 0)
    return keel_err_errno (err, "move rootfs `%s` to / and chroot", rootfs);
  return 0;
}

/* config-linux.md "Masked Paths": make them unreadable; absent paths are fine. */
static int mask_paths (char **paths, keel_error **err)
{
  for (; paths != NULL && *paths != NULL; paths++)
    {
      _cleanup_close_ int fd = -1, root = open ("/", O_PATH | O_CLOEXEC);
      _cleanup_free_ char *target = NULL;
      struct stat st;
      keel_error *e = NULL;
      if (resolve_in_root (root, *paths, false, false, &fd, &e) < 0)
        {
          keel_error_free (e);
          continue;
        }
      if (fstat (fd, &st) < 0 || asprintf (&target, "/proc/self/fd/%d", fd) < 0)
        return keel_err_errno (err, "maskedPaths: `%s`", *paths);
      if (S_ISDIR (st.st_mode))
        {
          if (mount ("tmpfs", target, "tmpfs", MS_RDONLY, NULL) < 0)
            return keel_err_errno (err, "maskedPaths: mask `%s`", *paths);
        }
      else if (mount ("/dev/null", target, NULL, MS_BIND, NULL) < 0)
        return keel_err_errno (err, "maskedPaths: mask `%s`", *paths);
    }
  return 0;
}

/* The nosuid/nodev/noexec of the mount a readonlyPaths bind sits on: kept, as
 * runc and crun keep them (and a bind remount in a user namespace must not
 * clear them from a locked mount), not added where the mount below lacks them. */
static unsigned long lower_flags (int fd)
{
  struct statvfs sv;

  /* statvfs's ST_NOSUID/ST_NODEV/ST_NOEXEC are MS_*'s values, as mounts.c's remount_bind relies on too */
  if (fstatvfs (fd, &sv) < 0)
    return MS_NOSUID | MS_NODEV | MS_NOEXEC;
  return sv.f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

static int readonly_paths (char **paths, keel_error **err)
{
  for (; paths != NULL && *paths != NULL; paths++)
    {
      _cleanup_close_ int fd = -1, root = open ("/", O_PATH | O_CLOEXEC);
      _cleanup_free_ char *target = NULL;
      keel_error *e = NULL;
      if (resolve_in_root (root, *paths, false, false, &fd, &e) < 0)
        {
          keel_error_free (e);
          continue;
        }
      if (asprintf (&target, "/proc/self/fd/%d", fd) < 0)
        return keel_err (err, ENOMEM, "readonlyPaths");
      if (mount (target, target, NULL, MS_BIND | MS_REC, NULL) < 0)
        return keel_err_errno (err, "readonlyPaths: bind `%s`", *paths);
      close (fd);
      fd = -1;
      /* Remount the new bind, found again by path. */
      if (resolve_in_root (root, *paths, false, false, &fd, err) < 0)
        return -1;
      free (target);
      if (asprintf (&target, "/proc/self/fd/%d", fd) < 0)
        return keel_err (err, ENOMEM, "readonlyPaths");
      if (mount (NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | lower_flags (fd), NULL) < 0)
        return keel_err_errno (err, "readonlyPaths: remount `%s`", *paths);
    }
  return 0;
}

/* config-linux.md "Sysctl": written after pivot_root (the container's /proc)
 * and before readonlyPaths makes /proc/sys read-only. */
static int write_sysctls (const struct runtime_config *cfg, keel_error **err)
{
  char **s = cfg->linux_ != NULL ? cfg->linux_->sysctl : NULL;
  for (; s != NULL && s[0] != NULL; s += 2)
    {
      _cleanup_free_ char *p = NULL;
      _cleanup_close_ int fd = -1;
      if (asprintf (&p, "/proc/sys/%s", s[0]) < 0)
        return keel_err (err, ENOMEM, "sysctl");
      for (char *c = p + 10; *c; c++)
        if (*c == '.')
          *c = '/';
      fd = open (p, O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write (fd, s[1], strlen (s[1])) < 0)
        return keel_err_errno (err, "sysctl %s=%s", s[0], s[1]);
    }
  return 0;
}

/* A recursive rootfsPropagation also reaches the mounts whose own options
 * asked for another propagation: apply theirs again, the more specific
 * request winning (an rshared bind under an rslave root stays shared). */
static int reapply_mount_propagation (const init_args *a, keel_error **err)
{
  _cleanup_close_ int root = open ("/", O_PATH | O_CLOEXEC);

  for (size_t i = 0; i < a->cfg->mounts_len; i++)
    {
      const struct rc_mount *m = &a->cfg->mounts[i];
      unsigned long flags, clear, prop, rset, rclear;
      _cleanup_free_ char *data = NULL, *target = NULL;
      _cleanup_close_ int fd = -1;

      if (mount_parse_options (m->options, &flags, &clear, &prop, &rset, &rclear, &data, err) < 0)
        return -1;
      if (prop == 0)
        continue;
      if (resolve_in_root (root, m->destination, false, false, &fd, err) < 0)
        return keel_err_prefix (err, "config.json: .mounts[%zu] (%s)", i, m->destination);
      if (asprintf (&target, "/proc/self/fd/%d", fd) < 0)
        return keel_err (err, ENOMEM, "mounts");
      if (mount (NULL, target, NULL, prop, NULL) < 0)
        return keel_err_errno (err, "config.json: .mounts[%zu] (%s): set propagation", i, m->destination);
    }
  return 0;
}

int rootfs_finish (const init_args *a, keel_error **err)
{
  const struct rc_linux *l = a->cfg->linux_;
  const char *prop = l != NULL ? l->rootfs_propagation : NULL;

  if ((a->no_pivot ? do_move_chroot (a->rootfs, err) : do_pivot (a->rootfs, err)) < 0)
    return -1;
  if (write_sysctls (a->cfg, err) < 0)
    return -1;
  /* runc's order: readonlyPaths, then maskedPaths (a mask may sit on a read-only bind). */
  if (l != NULL && (readonly_paths (l->readonly_paths, err) < 0 || mask_paths (l->masked_paths, err) < 0))
    return -1;
  if (prop != NULL)
    {
      unsigned long flags = 0;
      rc_propagation_from_name (prop, &flags);
      if (mount (NULL, "/", NULL, flags, NULL) < 0)
        return keel_err_errno (err, "linux.rootfsPropagation `%s`", prop);
      if ((flags & MS_REC) && reapply_mount_propagation (a, err) < 0)
        return -1;
    }
  /* config.md "Root": readonly makes the root filesystem read-only inside the container. */
  if (a->cfg->root->readonly && mount (NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
    return keel_err_errno (err, "root.readonly: remount / read-only");
  return 0;
}
