/* Idmapped mounts: detached, idmapped copies of bind sources, made by the runtime and attached by the init. */
#include "config.h"
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "userns.h"

static bool has_option (const struct rc_mount *m, const char *name)
{
  for (char **o = m->options; o != NULL && *o != NULL; o++)
    if (strcmp (*o, name) == 0)
      return true;
  return false;
}

bool idmap_requested (const struct rc_mount *m)
{
  return has_option (m, "idmap") || has_option (m, "ridmap") || m->uid_mappings_len > 0 || m->gid_mappings_len > 0;
}

bool idmap_kernel_supported (void)
{
  /* An invalid call: ENOSYS only when the syscall itself is missing. */
  return syscall (SYS_mount_setattr, -1, "", AT_EMPTY_PATH, NULL, 0) == 0 || errno != ENOSYS;
}

/* A user namespace holding the mappings: a child is cloned into a new one,
 * its maps written, and the namespace kept through /proc/<pid>/ns/user. */
static int userns_with_maps (const struct rc_id_mapping *u, size_t nu, const struct rc_id_mapping *g, size_t ng,
                             int *out, keel_error **err)
{
  struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
  _cleanup_free_ char *path = NULL;
  int hold[2], r = -1;
  long pid;

  if (pipe2 (hold, O_CLOEXEC) < 0)
    return keel_err_errno (err, "pipe");
  pid = syscall (SYS_clone3, &ca, sizeof (ca));
  if (pid == 0)
    {
      char c;
      /* Wait until the parent has what it needs (EOF when it closes its end). */
      close (hold[1]);
      (void)!read (hold[0], &c, 1);
      _exit (0);
    }
  close (hold[0]);
  if (pid < 0)
    keel_err_errno (err, "clone a user namespace");
  else if (userns_write_id_map ((pid_t)pid, false, u, nu, err) == 0
           && userns_write_id_map ((pid_t)pid, true, g, ng, err) == 0)
    {
      if (asprintf (&path, "/proc/%ld/ns/user", pid) < 0)
        keel_err (err, ENOMEM, "idmap");
      else if ((*out = open (path, O_RDONLY | O_CLOEXEC)) < 0)
        keel_err_errno (err, "open %s", path);
      else
        r = 0;
    }
  close (hold[1]);
  if (pid > 0)
    waitpid ((pid_t)pid, NULL, 0);
  return r;
}

static int setattr_error (const char *source, keel_error **err)
{
  switch (errno)
    {
    case ENOSYS:
      return keel_err (err, ENOSYS, "idmapped mounts need mount_setattr (Linux 5.12 or later)");
    case EINVAL:
      return keel_err (err, EINVAL, "the filesystem of `%s` does not support idmapped mounts", source);
    case EPERM:
      return keel_err (err, EPERM,
                       "idmapped mount of `%s`: not permitted (it needs privilege over the filesystem: root)", source);
    default:
      return keel_err_errno (err, "idmapped mount of `%s`: mount_setattr", source);
    }
}

static int prepare_one (const struct runtime_config *cfg, const struct rc_mount *m, const char *bundle, int *out,
                        keel_error **err)
{
  const struct rc_linux *l = cfg->linux_;
  const struct rc_id_mapping *u = m->uid_mappings, *g = m->gid_mappings;
  size_t nu = m->uid_mappings_len, ng = m->gid_mappings_len;
  bool rbind = has_option (m, "rbind"), ridmap = has_option (m, "ridmap");
  _cleanup_free_ char *source = NULL;
  _cleanup_close_ int userns = -1, tree = -1;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };

  /* config.md "Mounts": idmap/ridmap without mappings of the mount use the container's user namespace mappings. */
  if (nu == 0 && l != NULL)
    u = l->uid_mappings, nu = l->uid_mappings_len;
  if (ng == 0 && l != NULL)
    g = l->gid_mappings, ng = l->gid_mappings_len;
  if (!rbind && !has_option (m, "bind") && (m->type == NULL || strcmp (m->type, "bind") != 0))
    return keel_err (err, 0, "idmap: only bind mounts can be idmapped (type `%s`)", m->type != NULL ? m->type : "");
  if (nu == 0 || ng == 0)
    return keel_err (err, 0, "idmap: no %s, neither on the mount nor in .linux",
                     nu == 0 ? "uidMappings" : "gidMappings");
  if (m->source == NULL)
    return keel_err (err, 0, "idmap: a bind mount needs a source");
  if (m->source[0] == '/' ? (source = strdup (m->source)) == NULL : asprintf (&source, "%s/%s", bundle, m->source) < 0)
    return keel_err (err, ENOMEM, "idmap");
  if (userns_with_maps (u, nu, g, ng, &userns, err) < 0)
    return keel_err_prefix (err, "idmap");
  /* "idmap" on an rbind idmaps only the top mount; "ridmap" every mount of the tree. */
  tree = (int)syscall (SYS_open_tree, AT_FDCWD, source,
                       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rbind || ridmap ? AT_RECURSIVE : 0));
  if (tree < 0)
    return keel_err_errno (err, "idmap: open_tree `%s`", source);
  attr.userns_fd = (uint64_t)userns;
  if (syscall (SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (ridmap ? AT_RECURSIVE : 0), &attr, sizeof (attr)) < 0)
    return setattr_error (source, err);
  *out = tree;
  tree = -1;
  return 0;
}

int idmap_prepare (const struct runtime_config *cfg, const char *bundle, int **fds, keel_error **err)
{
  int *v = NULL;

  *fds = NULL;
  for (size_t i = 0; i < cfg->mounts_len; i++)
    {
      if (!idmap_requested (&cfg->mounts[i]))
        continue;
      /* As runc (it checks the effective uid too): an unprivileged runtime
       * cannot clone and idmap a mount of the host's (that needs
       * CAP_SYS_ADMIN over the source's filesystem), so say so up front. */
      if (geteuid () != 0)
        {
          idmap_close (v, cfg->mounts_len);
          *fds = NULL;
          return keel_err (err, 0,
                           "config.json: .mounts[%zu] (%s): idmapped mounts are not supported for rootless containers",
                           i, cfg->mounts[i].destination);
        }
      if (v == NULL)
        {
          if ((v = malloc (cfg->mounts_len * sizeof (int))) == NULL)
            return keel_err (err, ENOMEM, "idmap");
          for (size_t j = 0; j < cfg->mounts_len; j++)
            v[j] = -1;
          *fds = v;
        }
      if (prepare_one (cfg, &cfg->mounts[i], bundle, &v[i], err) < 0)
        {
          idmap_close (v, cfg->mounts_len);
          *fds = NULL;
          return keel_err_prefix (err, "config.json: .mounts[%zu] (%s)", i, cfg->mounts[i].destination);
        }
    }
  return 0;
}

void idmap_close (int *fds, size_t n)
{
  for (size_t i = 0; fds != NULL && i < n; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  free (fds);
}
