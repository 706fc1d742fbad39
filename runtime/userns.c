/* The runtime's side of user namespaces: rootless mode, id maps (direct or newuidmap), undelegated cgroups. */
#include "config.h"
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

/* "0 0 4294967295" is the initial user namespace's identity map. */
static bool in_initial_userns (void)
{
  _cleanup_free_ char *buf = NULL;
  unsigned long a, b, c;

  if (read_file ("/proc/self/uid_map", &buf, NULL, NULL) < 0)
    return true;
  return sscanf (buf, "%lu %lu %lu", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295UL;
}

bool userns_is_rootless (const runtime_globals *g)
{
  if (g->rootless != NULL && strcmp (g->rootless, "true") == 0)
    return true;
  if (g->rootless != NULL && strcmp (g->rootless, "false") == 0)
    return false;
  return geteuid () != 0 || !in_initial_userns ();
}

/* ---- id maps ---- */

/* Without privilege the kernel accepts one line mapping the writer's own id. */
static bool needs_helper (const struct rc_id_mapping *m, size_t n, unsigned self)
{
  if (geteuid () == 0)
    return false;
  return !(n == 1 && m[0].size == 1 && m[0].host_id == self);
}

static int write_proc (pid_t pid, const char *file, const char *text, keel_error **err)
{
  _cleanup_free_ char *path = NULL;
  _cleanup_close_ int fd = -1;

  if (asprintf (&path, "/proc/%d/%s", (int)pid, file) < 0)
    return keel_err (err, ENOMEM, "id map");
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, text, strlen (text)) < 0)
    return keel_err_errno (err, "write %s", path);
  return 0;
}

static char *format_map (const struct rc_id_mapping *m, size_t n, const char *sep)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);

  if (f == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++)
    fprintf (f, "%u %u %u%s", m[i].container_id, m[i].host_id, m[i].size, sep);
  if (fclose (f) != 0)
    {
      free (buf);
      return NULL;
    }
  return buf;
}

/* The helper's own message (e.g. "newuidmap: uid range [...) -> [...) not allowed") says why. */
static int run_helper (const char *tool, pid_t pid, const struct rc_id_mapping *m, size_t n, keel_error **err)
{
  _cleanup_free_ char *args = format_map (m, n, " ");
  _cleanup_free_ char *cmd = NULL, *out = NULL;
  size_t len = 0;
  char buf[512];
  FILE *p;
  int status;

  if (args == NULL)
    return keel_err (err, ENOMEM, "id map");
  /* shadow's newuidmap/newgidmap: setuid helpers checking /etc/subuid and /etc/subgid. */
  if (asprintf (&cmd, "command -v %s >/dev/null || exit 127; exec %s %d %s 2>&1", tool, tool, (int)pid, args) < 0)
    return keel_err (err, ENOMEM, "id map");
  p = popen (cmd, "re");
  if (p == NULL)
    return keel_err_errno (err, "run %s", tool);
  while (fgets (buf, sizeof (buf), p) != NULL && len < 4096)
    {
      char *n2 = NULL;
      buf[strcspn (buf, "\n")] = '\0';
      if (asprintf (&n2, "%s%s%s", out != NULL ? out : "", out != NULL ? "; " : "", buf) < 0)
        break;
      free (out);
      out = n2;
      len = strlen (out);
    }
  status = pclose (p);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 127 && out == NULL)
    return keel_err (err, 0, "%s not found: mapping more than your own id needs it (install the uidmap package)", tool);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return keel_err (err, 0, "%s %d %sfailed: %s", tool, (int)pid, args, out != NULL ? out : "no message");
  return 0;
}

int userns_write_id_map (pid_t pid, bool gid, const struct rc_id_mapping *m, size_t n, keel_error **err)
{
  _cleanup_free_ char *text = NULL;

  if (n == 0)
    return 0;
  if (needs_helper (m, n, gid ? (unsigned)getegid () : (unsigned)geteuid ()))
    return run_helper (gid ? "newgidmap" : "newuidmap", pid, m, n, err);
  /* user_namespaces(7): an unprivileged writer must deny setgroups before writing gid_map. */
  if (gid && geteuid () != 0 && write_proc (pid, "setgroups", "deny", err) < 0)
    return -1;
  text = format_map (m, n, "\n");
  if (text == NULL)
    return keel_err (err, ENOMEM, "id map");
  return write_proc (pid, gid ? "gid_map" : "uid_map", text, err);
}

int userns_write_maps (const struct runtime_config *cfg, pid_t pid, keel_error **err)
{
  const struct rc_linux *l = cfg->linux_;

  if (l == NULL)
    return 0;
  /* config-linux.md "User namespace mappings": written by the runtime for the new user namespace. */
  if (userns_write_id_map (pid, false, l->uid_mappings, l->uid_mappings_len, err) < 0)
    return keel_err_prefix (err, "linux.uidMappings");
  if (userns_write_id_map (pid, true, l->gid_mappings, l->gid_mappings_len, err) < 0)
    return keel_err_prefix (err, "linux.gidMappings");
  return 0;
}

/* ---- cgroups ---- */

/* mkdir of PATH (or writing its cgroup.procs when it exists) would succeed. */
static bool cgroup_writable (const char *path)
{
  _cleanup_free_ char *p = strdup (path), *procs = NULL;
  struct stat st;

  if (p == NULL)
    return false;
  if (stat (p, &st) == 0)
    return asprintf (&procs, "%s/cgroup.procs", p) >= 0 && access (procs, W_OK) == 0;
  for (char *slash; (slash = strrchr (p, '/')) != NULL && slash != p;)
    {
      *slash = '\0';
      if (stat (p, &st) == 0)
        return access (p, W_OK) == 0;
    }
  return false;
}

/* Resources a cgroup must enforce; devices rules are not among them for a
 * rootless container: it can only reach devices bind-mounted from the host. */
static bool wants_limits (const struct rc_resources *r)
{
  return r != NULL
         && (r->memory != NULL || r->cpu != NULL || r->block_io != NULL || r->hugepage_limits_len > 0
             || r->network != NULL || r->pids != NULL || r->rdma_len > 0 || r->unified != NULL);
}

int userns_check_cgroup (const runtime_globals *g, cgroup_set *cg, const struct runtime_config *cfg, keel_error **err)
{
  const char *denied = NULL;

  if (!userns_is_rootless (g))
    return 0;
  for (size_t i = 0; cg->paths != NULL && cg->paths[i] != NULL && denied == NULL; i++)
    if (!cgroup_writable (cg->paths[i]))
      denied = cg->paths[i];
  if (denied == NULL)
    return 0;
  if (wants_limits (cfg->linux_ != NULL ? cfg->linux_->resources : NULL))
    return keel_err (err, EACCES,
                     "config.json: .linux.resources: set, but cgroup `%s` is not writable "
                     "(rootless without a delegated cgroup)",
                     denied);
  log_msg (&g->log, LOG_LEVEL_DEBUG, "rootless: cgroup `%s` is not writable and no resources are set: no cgroup",
           denied);
  for (size_t i = 0; cg->paths[i] != NULL; i++)
    {
      free (cg->paths[i]);
      cg->paths[i] = NULL;
    }
  cg->unified_only = false;
  return 0;
}
