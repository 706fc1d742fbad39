/* Cgroup placement: create the container's cgroup on the host's layout, put a pid in it, remove it. */
#include "config.h"
#include "cgroup.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup_devices_bpf.h"
#include "cgroup_resources.h"
#include "cleanup.h"
#include "fsutil.h"

/* Each cgroup mount from mountinfo: v1 hierarchies and the v2 one. */
static int find_hierarchies (char ***out, bool *unified_only, keel_error **err)
{
  _cleanup_fclose_ FILE *f = fopen ("/proc/self/mountinfo", "re");
  _cleanup_free_ char *line = NULL;
  size_t cap = 0, n = 0;
  char **v = NULL;
  bool v1 = false;

  if (f == NULL)
    return keel_err_errno (err, "open /proc/self/mountinfo");
  while (getline (&line, &cap, f) > 0)
    {
      char mnt[4096], fstype[64];
      const char *sep = strstr (line, " - ");
      if (sep == NULL || sscanf (sep, " - %63s", fstype) != 1)
        continue;
      if (strcmp (fstype, "cgroup") != 0 && strcmp (fstype, "cgroup2") != 0)
        continue;
      if (sscanf (line, "%*s %*s %*s %*s %4095s", mnt) != 1)
        continue;
      if (strcmp (fstype, "cgroup") == 0)
        v1 = true;
      char **nv = realloc (v, (n + 2) * sizeof (char *));
      if (nv == NULL || (nv[n] = strdup (mnt)) == NULL)
        {
          free (nv != NULL ? nv : v);
          return keel_err (err, ENOMEM, "cgroup mounts");
        }
      v = nv;
      v[++n] = NULL;
    }
  if (n == 0)
    return keel_err (err, 0, "no cgroup filesystem is mounted");
  *out = v;
  *unified_only = !v1;
  return 0;
}

static int build_paths (cgroup_set *cg, keel_error **err);

int cgroup_resolve (const struct runtime_config *cfg, const char *id, cgroup_set *cg, keel_error **err)
{
  const char *p = cfg->linux_ != NULL ? cfg->linux_->cgroups_path : NULL;
  size_t n = 0;

  memset (cg, 0, sizeof (*cg));
  /* config-linux.md "Cgroups Path": absolute paths are relative to the
   * cgroups mount point; relative ones are placed where the runtime chooses
   * (here under /keel). "slice:prefix:name" is the systemd driver's form. */
  if (p != NULL && strchr (p, ':') != NULL)
    return keel_err (err, 0,
                     "config.json: .linux.cgroupsPath: `%s` is a systemd slice path, "
                     "and the systemd cgroup driver is not implemented yet: give a cgroupfs path "
                     "(/parent/name) or none (/keel/ID)",
                     p);
  if (p == NULL || *p == '\0')
    n = (size_t)asprintf (&cg->relative, "/keel/%s", id);
  else if (p[0] == '/')
    cg->relative = strdup (p), n = 1;
  else
    n = (size_t)asprintf (&cg->relative, "/keel/%s", p);
  if (cg->relative == NULL || n == (size_t)-1)
    return keel_err (err, ENOMEM, "cgroup path");
  if (strstr (cg->relative, "/../") != NULL || strcmp (cg->relative + strlen (cg->relative) - 3, "/..") == 0)
    return keel_err (err, 0, "config.json: .linux.cgroupsPath: `%s` must not contain ..", p);
  return build_paths (cg, err);
}

/* One directory per hierarchy for cg->relative. */
static int build_paths (cgroup_set *cg, keel_error **err)
{
  size_t n;
  if (find_hierarchies (&cg->mountpoints, &cg->unified_only, err) < 0)
    return -1;
  for (n = 0; cg->mountpoints[n] != NULL; n++)
    ;
  cg->paths = calloc (n + 1, sizeof (char *));
  if (cg->paths == NULL)
    return keel_err (err, ENOMEM, "cgroup path");
  for (size_t i = 0; i < n; i++)
    if (asprintf (&cg->paths[i], "%s%s", cg->mountpoints[i], cg->relative) < 0)
      return keel_err (err, ENOMEM, "cgroup path");
  return 0;
}

static int write_str (const char *dir, const char *file, const char *value, keel_error **err)
{
  _cleanup_free_ char *p = NULL;
  _cleanup_close_ int fd = -1;

  if (asprintf (&p, "%s/%s", dir, file) < 0)
    return keel_err (err, ENOMEM, "cgroup");
  fd = open (p, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, value, strlen (value)) < 0)
    return keel_err_errno (err, "write `%s` to `%s`", value, p);
  return 0;
}

/* A new v1 cpuset cgroup starts with empty cpus/mems and refuses tasks:
 * give each level we create its parent's values. */
static int cpuset_inherit (const char *mnt, const char *rel, keel_error **err)
{
  _cleanup_free_ char *parent = NULL, *dir = NULL;
  const char *files[] = { "cpuset.cpus", "cpuset.mems" };

  if (asprintf (&dir, "%s%s", mnt, rel) < 0 || (parent = strdup (dir)) == NULL)
    return keel_err (err, ENOMEM, "cgroup");
  *strrchr (parent, '/') = '\0';
  for (size_t i = 0; i < 2; i++)
    {
      _cleanup_free_ char *pf = NULL, *cur = NULL, *val = NULL;
      if (asprintf (&pf, "%s/%s", parent, files[i]) < 0 || asprintf (&cur, "%s/%s", dir, files[i]) < 0)
        return keel_err (err, ENOMEM, "cgroup");
      if (read_file (cur, &val, NULL, err) < 0)
        return -1;
      if (val[0] != '\0' && val[0] != '\n')
        continue;
      free (val);
      val = NULL;
      if (read_file (pf, &val, NULL, err) < 0 || write_str (dir, files[i], val, err) < 0)
        return -1;
    }
  return 0;
}

/* cgroup v2: a child only gets the controllers its parent lists in
 * cgroup.subtree_control, so every level above the container's cgroup passes
 * on all it has. Each is enabled on its own: one the kernel refuses (e.g. a
 * threaded-only or busy one) must not keep the others out; a resource that
 * then lacks its controller fails in cgroup_apply_resources, naming it. */
static void v2_enable_controllers (const char *dir)
{
  _cleanup_free_ char *p = NULL, *ctrls = NULL;
  keel_error *e = NULL;

  if (asprintf (&p, "%s/cgroup.controllers", dir) < 0 || read_file (p, &ctrls, NULL, &e) < 0)
    {
      keel_error_free (e);
      return;
    }
  for (char *s = ctrls, *c; (c = strsep (&s, " \n")) != NULL;)
    {
      _cleanup_free_ char *plus = NULL;
      if (*c == '\0' || asprintf (&plus, "+%s", c) < 0)
        continue;
      if (write_str (dir, "cgroup.subtree_control", plus, &e) < 0)
        keel_error_free (e), e = NULL;
    }
}

static int mkdir_levels (const char *mnt, const char *rel, bool is_cpuset, bool is_v2, keel_error **err)
{
  _cleanup_free_ char *r = strdup (rel);

  if (r == NULL)
    return keel_err (err, ENOMEM, "cgroup");
  if (is_v2)
    v2_enable_controllers (mnt);
  for (char *s = r + 1;; s++)
    {
      if (*s != '/' && *s != '\0')
        continue;
      char saved = *s;
      _cleanup_free_ char *dir = NULL;
      *s = '\0';
      if (asprintf (&dir, "%s%s", mnt, r) < 0)
        return keel_err (err, ENOMEM, "cgroup");
      if (mkdir (dir, 0755) < 0 && errno != EEXIST)
        return keel_err_errno (err, "create cgroup `%s`", dir);
      if (is_cpuset && cpuset_inherit (mnt, r, err) < 0)
        return -1;
      if (is_v2 && saved != '\0')
        v2_enable_controllers (dir);
      *s = saved;
      if (saved == '\0')
        break;
    }
  return 0;
}

static bool is_cgroup2 (const char *mountpoint)
{
  struct statfs sf;
  return statfs (mountpoint, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

static bool is_mount_of (const char *mnt, const char *name)
{
  const char *b = strrchr (mnt, '/');
  b = b != NULL ? b + 1 : mnt;
  /* co-mounted hierarchies are named like "cpu,cpuacct" */
  size_t l = strlen (name);
  for (const char *p = b; (p = strstr (p, name)) != NULL; p += l)
    if ((p == b || p[-1] == ',') && (p[l] == '\0' || p[l] == ','))
      return true;
  return false;
}

static int devices_rule (const char *dir, const char *file, const char *type, int64_t major, int64_t minor,
                         const char *access, keel_error **err)
{
  char rule[128], ma[24] = "*", mi[24] = "*";
  if (major >= 0)
    snprintf (ma, sizeof (ma), "%lld", (long long)major);
  if (minor >= 0)
    snprintf (mi, sizeof (mi), "%lld", (long long)minor);
  if (strcmp (type, "a") == 0)
    snprintf (rule, sizeof (rule), "a");
  else
    snprintf (rule, sizeof (rule), "%s %s:%s %s", type, ma, mi, access != NULL ? access : "rwm");
  return write_str (dir, file, rule, err);
}

/* Devices every container may use, appended after the config's rules as runc does
 * (the default spec's deny-all rule comes first and must not shadow them). */
static const struct
{
  const char *type;
  int64_t major, minor;
} default_allowed[] = {
  { "c", 1, 3 }, { "c", 1, 5 }, { "c", 1, 7 }, { "c", 1, 8 },    { "c", 1, 9 },
  { "c", 5, 0 }, { "c", 5, 1 }, { "c", 5, 2 }, { "c", 136, -1 },
};

/* Write RULES in order to devices.allow/deny. */
static int devices_v1_rules (const char *dir, const struct rc_device_cgroup *rules, size_t n, keel_error **err)
{
  for (size_t i = 0; i < n; i++)
    {
      const struct rc_device_cgroup *d = &rules[i];
      const char *type = d->type != NULL ? d->type : "a";
      if (strcmp (type, "a") == 0 && d->allow && !d->has_major && !d->has_minor)
        {
          if (write_str (dir, "devices.allow", "a", err) < 0)
            return -1;
          continue;
        }
      if (devices_rule (dir, d->allow ? "devices.allow" : "devices.deny", strcmp (type, "a") == 0 ? "a" : type,
                        d->has_major ? d->major : -1, d->has_minor ? d->minor : -1, d->access, err)
          < 0)
        return -1;
    }
  return 0;
}

static int program_devices_v1 (const char *dir, const struct runtime_config *cfg, keel_error **err)
{
  const struct rc_resources *r = cfg->linux_ != NULL ? cfg->linux_->resources : NULL;

  if (write_str (dir, "devices.deny", "a", err) < 0)
    return -1;
  if (r != NULL && devices_v1_rules (dir, r->devices, r->devices_len, err) < 0)
    return -1;
  for (size_t i = 0; i < sizeof (default_allowed) / sizeof (default_allowed[0]); i++)
    if (devices_rule (dir, "devices.allow", default_allowed[i].type, default_allowed[i].major, default_allowed[i].minor,
                      "rwm", err)
        < 0)
      return -1;
  /* linux.devices are created in /dev, so they must be usable too. */
  for (size_t i = 0; cfg->linux_ != NULL && i < cfg->linux_->devices_len; i++)
    {
      const struct rc_device *d = &cfg->linux_->devices[i];
      const char *t = strcmp (d->type, "b") == 0 ? "b" : "c";
      if (strcmp (d->type, "p") == 0)
        continue;
      if (devices_rule (dir, "devices.allow", t, d->major, d->minor, "rwm", err) < 0)
        return -1;
    }
  return 0;
}

static void add_rule (struct rc_device_cgroup *v, size_t *n, bool allow, const char *type, int64_t major, int64_t minor)
{
  v[*n] = (struct rc_device_cgroup){ .allow = allow,
                                     .type = (char *)type,
                                     .has_major = major >= 0,
                                     .major = major,
                                     .has_minor = minor >= 0,
                                     .minor = minor,
                                     .access = (char *)"rwm" };
  (*n)++;
}

/* cgroup v2 has no devices files: the same rule list as program_devices_v1
 * (deny all, the config's rules, the default devices, linux.devices), last
 * match wins, as one eBPF program. runc appends its allowed defaults after
 * the config's rules too, so the default spec's leading deny-all cannot
 * shadow /dev/null. */
static int devices_bpf_full (const cgroup_set *cg, const struct runtime_config *cfg, const struct rc_resources *r,
                             const struct rc_device_cgroup *extra, size_t nextra, keel_error **err)
{
  size_t nconf = r != NULL ? r->devices_len : 0, ndev = cfg->linux_ != NULL ? cfg->linux_->devices_len : 0;
  size_t ndef = sizeof (default_allowed) / sizeof (default_allowed[0]), n = 0;
  _cleanup_free_ struct rc_device_cgroup *v = calloc (1 + nconf + ndef + ndev + nextra, sizeof (*v));
  _cleanup_close_ int fd = -1;

  if (v == NULL)
    return keel_err (err, ENOMEM, "devices");
  add_rule (v, &n, false, "a", -1, -1);
  for (size_t i = 0; i < nconf; i++)
    v[n++] = r->devices[i];
  for (size_t i = 0; i < ndef; i++)
    add_rule (v, &n, true, default_allowed[i].type, default_allowed[i].major, default_allowed[i].minor);
  for (size_t i = 0; i < ndev; i++)
    {
      const struct rc_device *d = &cfg->linux_->devices[i];
      if (strcmp (d->type, "p") != 0)
        add_rule (v, &n, true, strcmp (d->type, "b") == 0 ? "b" : "c", d->major, d->minor);
    }
  /* Rules given to `update` come last: they must win over the container's own. */
  for (size_t i = 0; i < nextra; i++)
    v[n++] = extra[i];
  fd = open (cg->paths[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return keel_err_errno (err, "open `%s`", cg->paths[0]);
  if (cgroup_devices_bpf_attach (fd, v, n, err) < 0)
    return keel_err_prefix (err, "linux.resources.devices");
  return 0;
}

int cgroup_create (cgroup_set *cg, const struct runtime_config *cfg, keel_error **err)
{
  const struct rc_resources *r = cfg->linux_ != NULL ? cfg->linux_->resources : NULL;

  for (size_t i = 0; cg->paths[i] != NULL; i++)
    {
      if (mkdir_levels (cg->mountpoints[i], cg->relative, is_mount_of (cg->mountpoints[i], "cpuset"),
                        is_cgroup2 (cg->mountpoints[i]), err)
          < 0)
        return -1;
      if (!cg->unified_only && is_mount_of (cg->mountpoints[i], "devices")
          && program_devices_v1 (cg->paths[i], cfg, err) < 0)
        return keel_err_prefix (err, "devices cgroup");
    }
  if (r != NULL && cgroup_apply_resources (cg, r, false, err) < 0)
    return -1;
  return cg->unified_only ? devices_bpf_full (cg, cfg, r, NULL, 0, err) : 0;
}

int cgroup_enter (const cgroup_set *cg, pid_t pid, keel_error **err)
{
  char buf[32];
  snprintf (buf, sizeof (buf), "%d", (int)pid);
  for (size_t i = 0; cg->paths[i] != NULL; i++)
    if (write_str (cg->paths[i], "cgroup.procs", buf, err) < 0)
      return -1;
  return 0;
}

int cgroup_destroy_paths (char **paths, keel_error **err)
{
  for (size_t i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      int r = -1;
      /* The last exiting task can take a moment to leave the cgroup. */
      for (int tries = 0; tries < 200 && (r = rmdir (paths[i])) < 0 && errno == EBUSY; tries++)
        usleep (5000);
      if (r < 0 && errno != ENOENT)
        return keel_err_errno (err, "remove cgroup `%s`", paths[i]);
    }
  return 0;
}

int cgroup_pids (char **paths, pid_t **out, size_t *n, keel_error **err)
{
  _cleanup_free_ char *buf = NULL, *p = NULL;
  pid_t *v = NULL;
  size_t count = 0;

  *out = NULL;
  *n = 0;
  if (paths == NULL || paths[0] == NULL)
    return 0;
  if (asprintf (&p, "%s/cgroup.procs", paths[0]) < 0)
    return keel_err (err, ENOMEM, "cgroup");
  if (read_file (p, &buf, NULL, err) < 0)
    return -1;
  for (char *s = buf, *line; (line = strsep (&s, "\n")) != NULL;)
    {
      if (*line == '\0')
        continue;
      pid_t *nv = realloc (v, (count + 1) * sizeof (pid_t));
      if (nv == NULL)
        {
          free (v);
          return keel_err (err, ENOMEM, "cgroup");
        }
      v = nv;
      v[count++] = (pid_t)atoi (line);
    }
  *out = v;
  *n = count;
  return 0;
}

void cgroup_set_free (cgroup_set *cg)
{
  keel_strv_freep (&cg->paths);
  keel_strv_freep (&cg->mountpoints);
  free (cg->relative);
  cg->relative = NULL;
}

int cgroup_from_paths (char **paths, cgroup_set *cg, keel_error **err)
{
  _cleanup_strv_ char **mps = NULL;
  bool unified_only;

  memset (cg, 0, sizeof (*cg));
  if (paths == NULL || paths[0] == NULL)
    return keel_err (err, 0, "the container has no cgroup (rootless without a delegated cgroup)");
  if (find_hierarchies (&mps, &unified_only, err) < 0)
    return -1;
  for (size_t i = 0; mps[i] != NULL; i++)
    {
      size_t l = strlen (mps[i]);
      if (strncmp (paths[0], mps[i], l) == 0 && paths[0][l] == '/')
        {
          cg->relative = strdup (paths[0] + l);
          if (cg->relative == NULL)
            return keel_err (err, ENOMEM, "cgroup path");
          return build_paths (cg, err);
        }
    }
  return keel_err (err, 0, "cgroup `%s` is on no mounted cgroup hierarchy", paths[0]);
}

int cgroup_update (const cgroup_set *cg, const struct runtime_config *cfg, const struct rc_resources *r,
                   const struct rc_resources *merged, keel_error **err)
{
  struct rc_resources nodev = *r;

  /* Device rules are not files to roll back: they are handled below, after the rest succeeded. */
  nodev.devices = NULL;
  nodev.devices_len = 0;
  if (cgroup_apply_resources (cg, &nodev, true, err) < 0)
    return -1;
  if (r->devices_len == 0)
    return 0;
  /* v2: the program is replaced whole, so it is built from everything the container may use. */
  if (cg->unified_only)
    {
      /* MERGED's devices are config.json's followed by every update's, in order. */
      const struct rc_resources *conf = cfg->linux_ != NULL ? cfg->linux_->resources : NULL;
      size_t nconf = conf != NULL ? conf->devices_len : 0;
      if (merged->devices_len < nconf)
        nconf = merged->devices_len;
      return devices_bpf_full (cg, cfg, conf, merged->devices + nconf, merged->devices_len - nconf, err);
    }
  for (size_t i = 0; cg->paths[i] != NULL; i++)
    if (is_mount_of (cg->mountpoints[i], "devices")
        && devices_v1_rules (cg->paths[i], r->devices, r->devices_len, err) < 0)
      return keel_err_prefix (err, "linux.resources.devices");
  return 0;
}

/* ---- freezer ---- */

/* The index of the first path holding FILE, or -1. */
static ssize_t path_with (char **paths, const char *file)
{
  for (size_t i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      _cleanup_free_ char *p = NULL;
      if (asprintf (&p, "%s/%s", paths[i], file) >= 0 && access (p, F_OK) == 0)
        return (ssize_t)i;
    }
  return -1;
}

/* Whether FILE in DIR holds the line KEY (e.g. "FROZEN", "frozen 1"). */
static bool file_has_line (const char *dir, const char *file, const char *line)
{
  _cleanup_free_ char *p = NULL, *buf = NULL;
  keel_error *e = NULL;
  size_t l = strlen (line);
  if (asprintf (&p, "%s/%s", dir, file) < 0 || read_file (p, &buf, NULL, &e) < 0)
    {
      keel_error_free (e);
      return false;
    }
  for (char *s = buf; s != NULL; s = strchr (s, '\n') != NULL ? strchr (s, '\n') + 1 : NULL)
    if (strncmp (s, line, l) == 0 && (s[l] == '\n' || s[l] == '\0'))
      return true;
  return false;
}

/* Which freezer to use: the v1 freezer controller where it is mounted (v1 and
 * hybrid hosts, as runc), else the core cgroup.freeze of cgroup v2. */
static int freezer_of (char **paths, const char **dir, bool *v2, keel_error **err)
{
  ssize_t i = path_with (paths, "freezer.state");
  *v2 = i < 0;
  if (i < 0)
    i = path_with (paths, "cgroup.freeze");
  if (i < 0)
    return keel_err (err, 0, "no freezer: neither freezer.state (v1) nor cgroup.freeze (v2) in the container's cgroup");
  *dir = paths[i];
  return 0;
}

bool cgroup_is_frozen (char **paths)
{
  const char *dir = NULL;
  bool v2;
  if (freezer_of (paths, &dir, &v2, NULL) < 0)
    return false;
  return v2 ? file_has_line (dir, "cgroup.events", "frozen 1") : file_has_line (dir, "freezer.state", "FROZEN");
}

int cgroup_freeze (char **paths, bool freeze, keel_error **err)
{
  const char *dir = NULL;
  bool v2;

  if (freezer_of (paths, &dir, &v2, err) < 0)
    return -1;
  const char *file = v2 ? "cgroup.freeze" : "freezer.state";
  const char *value = v2 ? (freeze ? "1" : "0") : (freeze ? "FROZEN" : "THAWED");
  if (write_str (dir, file, value, err) < 0)
    return -1;
  if (!freeze)
    return 0;
  /* Freezing is asynchronous: v1 says FREEZING, v2 clears "frozen" in
   * cgroup.events, until every task stopped. A task stuck in the kernel can
   * keep it so; give up after 5 s and thaw rather than leave it half frozen. */
  for (int ms = 0; ms < 5000; ms += 5)
    {
      if (v2 ? file_has_line (dir, "cgroup.events", "frozen 1") : file_has_line (dir, "freezer.state", "FROZEN"))
        return 0;
      /* v1: writing FROZEN again retries tasks that were busy (runc does the same). */
      if (!v2 && ms % 100 == 0 && write_str (dir, file, value, err) < 0)
        return -1;
      usleep (5000);
    }
  write_str (dir, file, v2 ? "0" : "THAWED", NULL);
  return keel_err (err, 0, "the cgroup %s did not freeze within 5 s", dir);
}

/* ---- kill everything ---- */

int cgroup_kill_all (char **paths, int sig, keel_error **err)
{
  ssize_t k = path_with (paths, "cgroup.kill");
  _cleanup_free_ pid_t *pids = NULL;
  const char *dir = NULL;
  size_t n = 0;
  bool v2, can_freeze, was_frozen;

  if (paths == NULL || paths[0] == NULL)
    return 0; /* rootless without a cgroup: nothing to find the processes by */
  /* cgroup v2 (also the unified half of a hybrid host, where every container
   * process is placed too) kills the whole subtree atomically: no fork race. */
  if (sig == SIGKILL && k >= 0)
    {
      if (write_str (paths[k], "cgroup.kill", "1", err) < 0)
        return -1;
      /* A v1-frozen (paused) task dies only once thawed. */
      return cgroup_is_frozen (paths) ? cgroup_freeze (paths, false, err) : 0;
    }
  /* An empty cgroup has nothing to signal, and freezing is not free: on v1 the first freezing cgroup
   * flips a static key, which patches kernel text on every CPU (a tenth of a `run` here). A stopped
   * container with its own PID namespace is always empty: the kernel killed the rest with its init. */
  if (cgroup_pids (paths, &pids, &n, err) < 0)
    return -1;
  if (n == 0)
    return 0;
  free (pids);
  pids = NULL;
  /* Else freeze so nothing forks between reading the pids and signalling them. */
  can_freeze = freezer_of (paths, &dir, &v2, NULL) == 0;
  was_frozen = cgroup_is_frozen (paths);
  if (can_freeze && !was_frozen && cgroup_freeze (paths, true, err) < 0)
    return -1;
  if (cgroup_pids (paths, &pids, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    kill (pids[i], sig);
  /* Thaw what we froze; a paused container only for SIGKILL, which a frozen v1 task acts on once thawed. */
  if (can_freeze && (!was_frozen || sig == SIGKILL) && cgroup_freeze (paths, false, err) < 0)
    return -1;
  return 0;
}
