/* config.json mounts: option parsing, destinations resolved inside the rootfs, mounting via /proc/self/fd. */
#include "config.h"
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "lsm.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

#define PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* runtime-spec config.md "Mounts" and runc's list of options. */
static const struct mount_opt
{
  const char *name;
  bool clear;
  unsigned long flag;
} mount_opts[] = {
  { "defaults", false, 0 },
  { "ro", false, MS_RDONLY },
  { "rw", true, MS_RDONLY },
  { "suid", true, MS_NOSUID },
  { "nosuid", false, MS_NOSUID },
  { "dev", true, MS_NODEV },
  { "nodev", false, MS_NODEV },
  { "exec", true, MS_NOEXEC },
  { "noexec", false, MS_NOEXEC },
  { "sync", false, MS_SYNCHRONOUS },
  { "async", true, MS_SYNCHRONOUS },
  { "dirsync", false, MS_DIRSYNC },
  { "remount", false, MS_REMOUNT },
  { "mand", false, MS_MANDLOCK },
  { "nomand", true, MS_MANDLOCK },
  { "atime", true, MS_NOATIME },
  { "noatime", false, MS_NOATIME },
  { "diratime", true, MS_NODIRATIME },
  { "nodiratime", false, MS_NODIRATIME },
  { "relatime", false, MS_RELATIME },
  { "norelatime", true, MS_RELATIME },
  { "strictatime", false, MS_STRICTATIME },
  { "nostrictatime", true, MS_STRICTATIME },
  { "bind", false, MS_BIND },
  { "rbind", false, MS_BIND | MS_REC },
  { "lazytime", false, MS_LAZYTIME },
  { "nolazytime", true, MS_LAZYTIME },
  { "silent", false, MS_SILENT },
  { "loud", true, MS_SILENT },
  { "iversion", false, MS_I_VERSION },
  { "noiversion", true, MS_I_VERSION },
  { "nosymfollow", false, MS_NOSYMFOLLOW },
  { "symfollow", true, MS_NOSYMFOLLOW },
};

/* The recursive forms (mount_setattr with AT_RECURSIVE). */
static const struct mount_opt rec_opts[] = {
  { "rro", false, MOUNT_ATTR_RDONLY },
  { "rrw", true, MOUNT_ATTR_RDONLY },
  { "rnosuid", false, MOUNT_ATTR_NOSUID },
  { "rsuid", true, MOUNT_ATTR_NOSUID },
  { "rnodev", false, MOUNT_ATTR_NODEV },
  { "rdev", true, MOUNT_ATTR_NODEV },
  { "rnoexec", false, MOUNT_ATTR_NOEXEC },
  { "rexec", true, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", false, MOUNT_ATTR_NODIRATIME },
  { "rdiratime", true, MOUNT_ATTR_NODIRATIME },
  { "rrelatime", false, MOUNT_ATTR_RELATIME },
  { "rnorelatime", true, MOUNT_ATTR_RELATIME },
  { "rnoatime", false, MOUNT_ATTR_NOATIME },
  { "ratime", true, MOUNT_ATTR_NOATIME },
  { "rstrictatime", false, MOUNT_ATTR_STRICTATIME },
  { "rnostrictatime", true, MOUNT_ATTR_STRICTATIME },
  { "rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW },
  { "rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW },
};

static int append_data (char **data, const char *opt, keel_error **err)
{
  char *n = NULL;
  if (asprintf (&n, "%s%s%s", *data != NULL ? *data : "", *data != NULL ? "," : "", opt) < 0)
    return keel_err (err, ENOMEM, "mount options");
  free (*data);
  *data = n;
  return 0;
}

int mount_parse_options (char **options, unsigned long *flags, unsigned long *clear, unsigned long *prop,
                         unsigned long *rec_set, unsigned long *rec_clear, char **data, keel_error **err)
{
  *flags = *clear = *prop = *rec_set = *rec_clear = 0;
  *data = NULL;
  for (char **o = options; o != NULL && *o != NULL; o++)
    {
      bool done = false;
      unsigned long p;
      for (size_t i = 0; !done && i < sizeof (mount_opts) / sizeof (mount_opts[0]); i++)
        if (strcmp (*o, mount_opts[i].name) == 0)
          {
            if (mount_opts[i].clear)
              *flags &= ~mount_opts[i].flag, *clear |= mount_opts[i].flag;
            else
              *flags |= mount_opts[i].flag, *clear &= ~mount_opts[i].flag;
            done = true;
          }
      for (size_t i = 0; !done && i < sizeof (rec_opts) / sizeof (rec_opts[0]); i++)
        if (strcmp (*o, rec_opts[i].name) == 0)
          {
            if (rec_opts[i].clear)
              *rec_clear |= rec_opts[i].flag;
            else
              *rec_set |= rec_opts[i].flag;
            done = true;
          }
      if (!done && rc_propagation_from_name (*o, &p) == 0)
        *prop = p, done = true;
      /* config.md "Mounts": done by idmap.c before the clone; not filesystem data. */
      if (!done && (strcmp (*o, "idmap") == 0 || strcmp (*o, "ridmap") == 0))
        done = true;
      /* Anything else is filesystem data (size=, mode=, newinstance, ...), as runc does. */
      if (!done && append_data (data, *o, err) < 0)
        return -1;
    }
  return 0;
}

static int openat2_in_root (int rootfd, const char *path, int flags, int *out)
{
  struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  long fd = syscall (SYS_openat2, rootfd, path, &how, sizeof (how));
  if (fd < 0)
    return -1;
  *out = (int)fd;
  return 0;
}

/* Append "/NAME" to *RES. */
static int push_component (char **res, const char *name, size_t len)
{
  char *n = NULL;
  if (asprintf (&n, "%s/%.*s", *res, (int)len, name) < 0)
    return -1;
  free (*res);
  *res = n;
  return 0;
}

/* Like filepath-securejoin: the path PATH names when ROOTFD is "/", with
 * every symlink of the existing prefix expanded and ".." clamped at the
 * root, so the missing part can be created without following links out. */
static int secure_join (int rootfd, const char *path, char **out, keel_error **err)
{
  _cleanup_free_ char *todo = strdup (path), *res = strdup ("");
  int hops = 0;

  if (todo == NULL || res == NULL)
    return keel_err (err, ENOMEM, "resolve `%s`", path);
  while (*todo != '\0')
    {
      char *p = todo, link[4096], *rest;
      size_t len;
      ssize_t n;
      while (*p == '/')
        p++;
      len = strcspn (p, "/");
      rest = p + len;
      if (len == 0 || (len == 1 && p[0] == '.'))
        ;
      else if (len == 2 && p[0] == '.' && p[1] == '.')
        {
          char *slash = strrchr (res, '/');
          if (slash != NULL)
            *slash = '\0';
        }
      else
        {
          _cleanup_free_ char *cand = NULL;
          if (asprintf (&cand, "%s/%.*s", res, (int)len, p) < 0)
            return keel_err (err, ENOMEM, "resolve `%s`", path);
          n = readlinkat (rootfd, cand + 1, link, sizeof (link) - 1);
          if (n >= 0)
            {
              char *nt = NULL;
              if (++hops > 255)
                return keel_err (err, ELOOP, "resolve `%s` in the rootfs", path);
              link[n] = '\0';
              if (link[0] == '/')
                res[0] = '\0';
              if (asprintf (&nt, "%s%s", link, rest) < 0)
                return keel_err (err, ENOMEM, "resolve `%s`", path);
              free (todo);
              todo = nt;
              continue;
            }
          if (push_component (&res, p, len) < 0)
            return keel_err (err, ENOMEM, "resolve `%s`", path);
        }
      memmove (todo, rest, strlen (rest) + 1);
    }
  *out = *res ? keel_steal_ptr (res) : strdup ("/");
  return *out == NULL ? keel_err (err, ENOMEM, "resolve `%s`", path) : 0;
}

/* Resolve PATH inside ROOTFD the way a process chrooted there would (symlinks
 * cannot lead out), creating missing components when CREATE is set (the last
 * one a directory when CREATE_DIR, else an empty file). */
int resolve_in_root (int rootfd, const char *path, bool create, bool create_dir, int *out, keel_error **err)
{
  _cleanup_free_ char *p = NULL;

  if (openat2_in_root (rootfd, path, O_PATH, out) == 0)
    return 0;
  if (errno != ENOENT || !create)
    return keel_err_errno (err, "resolve `%s` in the rootfs", path);
  if (secure_join (rootfd, path, &p, err) < 0)
    return -1;
  for (char *s = p + 1;; s++)
    {
      if (*s != '/' && *s != '\0')
        continue;
      bool last = *s == '\0';
      char saved = *s;
      int fd;
      *s = '\0';
      if (openat2_in_root (rootfd, p, O_PATH, &fd) == 0)
        close (fd);
      else
        {
          _cleanup_close_ int parent = -1;
          char *slash = strrchr (p, '/');
          const char *base = slash + 1;
          *slash = '\0';
          if (openat2_in_root (rootfd, *p ? p : "/", O_PATH | O_DIRECTORY, &parent) < 0)
            return keel_err_errno (err, "resolve `%s` in the rootfs", *p ? p : "/");
          *slash = '/';
          if (!last || create_dir)
            {
              if (mkdirat (parent, base, 0755) < 0 && errno != EEXIST)
                return keel_err_errno (err, "mkdir `%s` in the rootfs", p);
            }
          else
            {
              int f = openat (parent, base, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
              if (f < 0 && errno != EEXIST)
                return keel_err_errno (err, "create `%s` in the rootfs", p);
              if (f >= 0)
                close (f);
            }
        }
      *s = saved;
      if (last)
        break;
    }
  if (openat2_in_root (rootfd, path, O_PATH, out) < 0)
    return keel_err_errno (err, "resolve `%s` in the rootfs", path);
  return 0;
}

static char *fd_path (int fd)
{
  char *s = NULL;
  if (asprintf (&s, "/proc/self/fd/%d", fd) < 0)
    return NULL;
  return s;
}

/* After a mount on /proc/self/fd/N, N still names the directory underneath:
 * resolve the destination again to reach the new mount. */
static int reresolve (int rootfd, const char *dest, int *fd, char **target, keel_error **err)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
  free (*target);
  *target = NULL;
  if (resolve_in_root (rootfd, dest, false, false, fd, err) < 0)
    return -1;
  *target = fd_path (*fd);
  return *target == NULL ? keel_err (err, ENOMEM, "mount") : 0;
}

/* A bind remount cannot drop flags the kernel locked (in a user namespace):
 * keep those that are already set. */
static int remount_bind (const char *target, unsigned long flags, keel_error **err)
{
  struct statvfs sv;

  if (mount (NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) == 0)
    return 0;
  if (errno != EPERM || statvfs (target, &sv) < 0)
    return keel_err_errno (err, "remount");
  flags |= sv.f_flag & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
  if (mount (NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
    return keel_err_errno (err, "remount");
  return 0;
}

static int set_rec_attrs (const char *target, unsigned long set, unsigned long clear, keel_error **err)
{
  struct mount_attr attr = { .attr_set = set, .attr_clr = clear };
  if (set == 0 && clear == 0)
    return 0;
  if (clear & MOUNT_ATTR_NOATIME)
    attr.attr_clr |= MOUNT_ATTR__ATIME;
  if (set & (MOUNT_ATTR_NOATIME | MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_RELATIME))
    attr.attr_clr |= MOUNT_ATTR__ATIME;
  if (syscall (SYS_mount_setattr, AT_FDCWD, target, AT_RECURSIVE, &attr, sizeof (attr)) < 0)
    return keel_err_errno (err, "mount_setattr");
  return 0;
}

/* A "cgroup" mount: on v1 hosts a tmpfs with, per hierarchy, a bind of the container's own cgroup. */
static int mount_cgroup (const init_args *a, int rootfd, const struct rc_mount *m, unsigned long flags,
                         keel_error **err)
{
  _cleanup_close_ int dfd = -1;
  _cleanup_free_ char *target = NULL;

  if (resolve_in_root (rootfd, m->destination, true, true, &dfd, err) < 0 || (target = fd_path (dfd)) == NULL)
    return -1;
  /* A pure cgroup v2 host has one hierarchy: the container's own cgroup is
   * bound there directly (not exercised by this v1-hybrid host's tests). */
  if (a->cgroup_paths != NULL && a->cgroup_paths[0] != NULL && a->cgroup_paths[1] == NULL)
    {
      if (mount (a->cgroup_paths[0], target, NULL, MS_BIND | MS_REC, NULL) < 0)
        return keel_err_errno (err, "bind `%s` on `%s`", a->cgroup_paths[0], m->destination);
      if (reresolve (rootfd, m->destination, &dfd, &target, err) < 0)
        return -1;
      return remount_bind (target, flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
    }
  if (mount ("tmpfs", target, "tmpfs", (flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
    return keel_err_errno (err, "mount tmpfs for cgroups on `%s`", m->destination);
  for (char **p = a->cgroup_paths; p != NULL && *p != NULL; p++)
    {
      _cleanup_free_ char *dest = NULL, *sub = NULL;
      _cleanup_close_ int fd = -1;
      /* /sys/fs/cgroup/<hierarchy>/keel/<id>: the hierarchy name is the
       * component after the mount point's parent. */
      const char *rel = strstr (*p, "/sys/fs/cgroup/") == *p ? *p + strlen ("/sys/fs/cgroup/") : NULL;
      if (rel == NULL)
        continue;
      sub = strndup (rel, strcspn (rel, "/"));
      if (sub == NULL || asprintf (&dest, "%s/%s", m->destination, sub) < 0)
        return keel_err (err, ENOMEM, "cgroup mount");
      if (resolve_in_root (rootfd, dest, true, true, &fd, err) < 0)
        return -1;
      free (target);
      target = fd_path (fd);
      if (mount (*p, target, NULL, MS_BIND, NULL) < 0)
        return keel_err_errno (err, "bind `%s` on `%s`", *p, dest);
      if (reresolve (rootfd, dest, &fd, &target, err) < 0)
        return -1;
      if (remount_bind (target, flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, err) < 0)
        return keel_err_prefix (err, "`%s`", dest);
    }
  if (flags & MS_RDONLY)
    {
      if (reresolve (rootfd, m->destination, &dfd, &target, err) < 0)
        return -1;
      if (mount (NULL, target, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
        return keel_err_errno (err, "remount `%s` read-only", m->destination);
    }
  return 0;
}

/* CVE-2019-19921 class: proc and sysfs are mounted on a real directory, as
 * runc insists ("must be mounted on ordinary directory"). A symlink the image
 * put there (proc -> /etc, proc -> ../..) would make the kernel's own files
 * appear, unmasked, at the path it names; the check does not follow it. */
static int check_ordinary_dir (int rootfd, const struct rc_mount *m, keel_error **err)
{
  _cleanup_free_ char *dir = strdup (m->destination);
  _cleanup_close_ int dfd = -1;
  struct stat st;
  char *base;
  size_t len;

  if (dir == NULL)
    return keel_err (err, ENOMEM, "mount");
  for (len = strlen (dir); len > 1 && dir[len - 1] == '/'; len--)
    dir[len - 1] = '\0';
  base = strrchr (dir, '/');
  if (base == NULL || base[1] == '\0' || strcmp (base + 1, ".") == 0 || strcmp (base + 1, "..") == 0)
    return 0;
  *base++ = '\0';
  /* A missing parent or destination is created as directories later. */
  if (openat2_in_root (rootfd, *dir != '\0' ? dir : "/", O_PATH | O_DIRECTORY, &dfd) < 0)
    return errno == ENOENT ? 0 : keel_err_errno (err, "resolve `%s` in the rootfs", *dir != '\0' ? dir : "/");
  if (fstatat (dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : keel_err_errno (err, "stat `%s` in the rootfs", m->destination);
  if (!S_ISDIR (st.st_mode))
    return keel_err (err, 0, "filesystem \"%s\" must be mounted on ordinary directory (`%s` %s)", m->type,
                     m->destination, S_ISLNK (st.st_mode) ? "is a symlink" : "is not a directory");
  return 0;
}

static int mount_one (const init_args *a, int rootfd, const struct rc_mount *m, size_t index, keel_error **err)
{
  unsigned long flags, clear, prop, rset, rclear;
  _cleanup_free_ char *data = NULL, *target = NULL, *source = NULL;
  _cleanup_close_ int dfd = -1;
  const char *type = m->type;
  bool bind;
  struct stat st;

  if (mount_parse_options (m->options, &flags, &clear, &prop, &rset, &rclear, &data, err) < 0)
    return -1;
  bind = (flags & MS_BIND) || (type != NULL && strcmp (type, "bind") == 0);
  if (bind && !(flags & MS_BIND))
    flags |= MS_BIND;
  if (type != NULL && strcmp (type, "cgroup") == 0)
    return mount_cgroup (a, rootfd, m, flags, err);
  /* config.md "Mounts": a relative source of a bind mount is relative to the bundle. */
  if (m->source != NULL && bind && m->source[0] != '/')
    {
      if (asprintf (&source, "%s/%s", a->bundle, m->source) < 0)
        return keel_err (err, ENOMEM, "mount");
    }
  else if (m->source != NULL)
    source = strdup (m->source);
  if (bind && stat (source, &st) < 0)
    return keel_err_errno (err, "bind source `%s`", source);
  if (!bind && type != NULL && (strcmp (type, "proc") == 0 || strcmp (type, "sysfs") == 0)
      && check_ordinary_dir (rootfd, m, err) < 0)
    return -1;
  if (resolve_in_root (rootfd, m->destination, true, !bind || S_ISDIR (st.st_mode), &dfd, err) < 0
      || (target = fd_path (dfd)) == NULL)
    return -1;
  if (bind)
    {
      /* An idmapped copy of the source, made by the runtime (idmap.h), is attached instead. */
      int idfd = a->idmap_fds != NULL ? a->idmap_fds[index] : -1;
      if (idfd >= 0 ? syscall (SYS_move_mount, idfd, "", dfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0
                    : mount (source, target, NULL, flags & (MS_BIND | MS_REC), NULL) < 0)
        return keel_err_errno (err, "bind `%s`%s", source, idfd >= 0 ? " (idmapped)" : "");
      if (reresolve (rootfd, m->destination, &dfd, &target, err) < 0)
        return -1;
      if ((flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0 && remount_bind (target, flags & ~MS_REC, err) < 0)
        return -1;
    }
  else
    {
      int r;
      /* config-linux.md "mountLabel" (SELinux). */
      if (lsm_mount_data (a->cfg->linux_ != NULL ? a->cfg->linux_->mount_label : NULL, type, &data, err) < 0)
        return -1;
      r = mount (source != NULL ? source : type, target, type, flags, data);
      /* sysfs cannot be mounted without a new network namespace: bind the host's, like runc. */
      if (r < 0 && errno == EPERM && type != NULL && strcmp (type, "sysfs") == 0)
        r = mount ("/sys", target, NULL, MS_BIND | MS_REC, NULL);
      if (r < 0)
        return keel_err_errno (err, "mount %s", type != NULL ? type : "(no type)");
      if (reresolve (rootfd, m->destination, &dfd, &target, err) < 0)
        return -1;
    }
  if (prop != 0 && mount (NULL, target, NULL, prop, NULL) < 0)
    return keel_err_errno (err, "set propagation");
  return set_rec_attrs (target, rset, rclear, err);
}

int mounts_apply (const init_args *a, int rootfd, keel_error **err)
{
  const struct runtime_config *cfg = a->cfg;
  for (size_t i = 0; i < cfg->mounts_len; i++)
    if (mount_one (a, rootfd, &cfg->mounts[i], i, err) < 0)
      return keel_err_prefix (err, "config.json: .mounts[%zu] (%s)", i, cfg->mounts[i].destination);
  return 0;
}
