/* /dev inside the container: the default devices, linux.devices (mknod, or a bind where mknod is denied), links. */
#include "config.h"
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"

/* config-linux.md "Default Devices". */
static const struct
{
  const char *path;
  unsigned maj, min;
} default_devices[] = {
  { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
  { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static int make_node (int rootfd, const char *path, mode_t mode, dev_t dev, uid_t uid, gid_t gid, keel_error **err)
{
  _cleanup_close_ int parent = -1, fd = -1;
  _cleanup_free_ char *dir = strdup (path);
  char *slash;
  const char *base;

  if (dir == NULL)
    return keel_err (err, ENOMEM, "device");
  slash = strrchr (dir, '/');
  base = path + (slash - dir) + 1;
  *slash = '\0';
  if (resolve_in_root (rootfd, *dir ? dir : "/", true, true, &parent, err) < 0)
    return -1;
  /* The O_PATH fd from resolve_in_root cannot be used with mknodat's
   * relative name, so reopen it as a directory. */
  {
    char p[64];
    snprintf (p, sizeof (p), "/proc/self/fd/%d", parent);
    fd = open (p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return keel_err_errno (err, "open `%s`", dir);
  }
  unlinkat (fd, base, 0);
  if (mknodat (fd, base, mode, dev) == 0)
    {
      if (fchownat (fd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return keel_err_errno (err, "chown device `%s`", path);
      return 0;
    }
  if (errno != EPERM)
    return keel_err_errno (err, "mknod `%s`", path);
  /* In a user namespace mknod is denied: bind the host's node instead. */
  {
    _cleanup_close_ int f = openat (fd, base, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    char target[64];
    if (f < 0)
      return keel_err_errno (err, "create `%s`", path);
    snprintf (target, sizeof (target), "/proc/self/fd/%d", f);
    if (mount (path, target, NULL, MS_BIND, NULL) < 0)
      return keel_err_errno (err, "bind host device `%s`", path);
  }
  return 0;
}

static bool dev_is_bind_mounted (const struct runtime_config *cfg)
{
  for (size_t i = 0; i < cfg->mounts_len; i++)
    if (strcmp (cfg->mounts[i].destination, "/dev") == 0 && cfg->mounts[i].type != NULL
        && strcmp (cfg->mounts[i].type, "bind") == 0)
      return true;
  return false;
}

static mode_t type_bits (const char *t)
{
  switch (t[0])
    {
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      return S_IFCHR;
    }
}

int devices_create (const init_args *a, int rootfd, keel_error **err)
{
  const struct rc_linux *l = a->cfg->linux_;

  if (dev_is_bind_mounted (a->cfg))
    return 0;
  for (size_t i = 0; i < sizeof (default_devices) / sizeof (default_devices[0]); i++)
    if (make_node (rootfd, default_devices[i].path, S_IFCHR | 0666,
                   makedev (default_devices[i].maj, default_devices[i].min), 0, 0, err)
        < 0)
      return keel_err_prefix (err, "default devices");
  for (size_t i = 0; l != NULL && i < l->devices_len; i++)
    {
      const struct rc_device *d = &l->devices[i];
      mode_t mode = type_bits (d->type) | (d->has_file_mode ? (d->file_mode & 07777) : 0666);
      if (make_node (rootfd, d->path, mode, makedev ((unsigned)d->major, (unsigned)d->minor), d->has_uid ? d->uid : 0,
                     d->has_gid ? d->gid : 0, err)
          < 0)
        return keel_err_prefix (err, "config.json: .linux.devices[%zu]", i);
      /* mknod applies the umask; the spec's fileMode is meant literally. */
      if (d->has_file_mode)
        {
          _cleanup_close_ int fd = -1;
          char p[64];
          if (resolve_in_root (rootfd, d->path, false, false, &fd, err) < 0)
            return -1;
          snprintf (p, sizeof (p), "/proc/self/fd/%d", fd);
          if (chmod (p, d->file_mode & 07777) < 0)
            return keel_err_errno (err, "chmod `%s`", d->path);
        }
    }
  return 0;
}

/* config-linux.md "Default Devices" also asks for these links. */
int devices_links (int rootfd, keel_error **err)
{
  static const char *const links[][2] = {
    { "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
    { "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" },
  };
  _cleanup_close_ int dev = -1, dfd = -1;
  char p[64];

  if (resolve_in_root (rootfd, "/dev", false, false, &dev, err) < 0)
    return -1;
  snprintf (p, sizeof (p), "/proc/self/fd/%d", dev);
  dfd = open (p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (dfd < 0)
    return keel_err_errno (err, "open /dev in the rootfs");
  for (size_t i = 0; i < sizeof (links) / sizeof (links[0]); i++)
    {
      struct stat st;
      /* A ptmx node left by the image would bypass the container's devpts. */
      if (strcmp (links[i][1], "ptmx") == 0 && fstatat (dfd, "ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0
          && !S_ISLNK (st.st_mode))
        unlinkat (dfd, "ptmx", 0);
      if (symlinkat (links[i][0], dfd, links[i][1]) < 0 && errno != EEXIST)
        return keel_err_errno (err, "symlink /dev/%s", links[i][1]);
    }
  /* runc and crun add /dev/core when the kernel has /proc/kcore; tools that read a core image look there. */
  if (access ("/proc/kcore", F_OK) == 0 && symlinkat ("/proc/kcore", dfd, "core") < 0 && errno != EEXIST)
    return keel_err_errno (err, "symlink /dev/core");
  return 0;
}
