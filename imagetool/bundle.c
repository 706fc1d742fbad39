/* Image → OCI bundle: config.json from the image config (image-spec conversion.md) and the rootfs from its layers. */
#include "config.h"
#include "bundle.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

/* ---- string vectors ---- */

static size_t strv_len (char *const *v)
{
  size_t n = 0;
  while (v != NULL && v[n] != NULL)
    n++;
  return n;
}

/* Append a copy of S (or take S when OWN). */
static int strv_push (char ***v, const char *s, keel_error **err)
{
  size_t n = strv_len (*v);
  char **nv = realloc (*v, (n + 2) * sizeof (char *));
  if (nv == NULL)
    return keel_err (err, ENOMEM, "config");
  *v = nv;
  if ((nv[n] = strdup (s)) == NULL)
    return keel_err (err, ENOMEM, "config");
  nv[n + 1] = NULL;
  return 0;
}

static int strv_extend (char ***v, char *const *add, keel_error **err)
{
  for (size_t i = 0; add != NULL && add[i] != NULL; i++)
    if (strv_push (v, add[i], err) < 0)
      return -1;
  return 0;
}

/* ---- Config.User (conversion.md "Config.User") ---- */

static bool parse_id (const char *s, uint32_t *out)
{
  char *end;
  unsigned long v;
  if (*s == '\0' || !isdigit ((unsigned char)*s))
    return false;
  errno = 0;
  v = strtoul (s, &end, 10);
  if (errno != 0 || *end != '\0' || v > UINT32_MAX)
    return false;
  *out = (uint32_t)v;
  return true;
}

/* Field N (0-based) of a colon-separated LINE, copied into a malloc'd string. */
static char *field (const char *line, size_t len, int n)
{
  const char *p = line, *end = line + len;
  for (int i = 0; i < n; i++)
    {
      p = memchr (p, ':', (size_t)(end - p));
      if (p == NULL)
        return NULL;
      p++;
    }
  const char *q = memchr (p, ':', (size_t)(end - p));
  return strndup (p, (size_t)((q ? q : end) - p));
}

/* Calls FN for each non-comment line of a passwd/group style file until it returns non-zero. */
static int each_line (const char *text, int (*fn) (const char *line, size_t len, void *data), void *data)
{
  for (const char *p = text; p != NULL && *p;)
    {
      const char *nl = strchrnul (p, '\n');
      int r = (*p == '#' || nl == p) ? 0 : fn (p, (size_t)(nl - p), data);
      if (r != 0)
        return r;
      p = *nl ? nl + 1 : nl;
    }
  return 0;
}

struct passwd_query
{
  const char *name; /* match by name, or */
  bool by_uid;      /* by uid */
  uint32_t uid;
  uint32_t out_uid, out_gid;
  char *home;
};

static int passwd_match (const char *line, size_t len, void *data)
{
  struct passwd_query *q = data;
  _cleanup_free_ char *name = field (line, len, 0), *uid = field (line, len, 2), *gid = field (line, len, 3);
  uint32_t u, g;

  if (name == NULL || uid == NULL || gid == NULL || !parse_id (uid, &u) || !parse_id (gid, &g))
    return 0; /* malformed lines are skipped, as getpwnam does */
  if (q->by_uid ? u != q->uid : strcmp (name, q->name) != 0)
    return 0;
  q->out_uid = u;
  q->out_gid = g;
  q->home = field (line, len, 5);
  return 1;
}

struct group_query
{
  const char *name;   /* the group's name to find (gid out), or */
  const char *member; /* collect the gids of groups listing this user */
  uint32_t gid;
  uint32_t *gids;
  size_t n;
  int oom;
};

static bool list_has (const char *list, const char *name)
{
  size_t n = strlen (name);
  for (const char *p = list; *p;)
    {
      const char *c = strchrnul (p, ',');
      if ((size_t)(c - p) == n && strncmp (p, name, n) == 0)
        return true;
      p = *c ? c + 1 : c;
    }
  return false;
}

static int group_match (const char *line, size_t len, void *data)
{
  struct group_query *q = data;
  _cleanup_free_ char *name = field (line, len, 0), *gid = field (line, len, 2), *members = field (line, len, 3);
  uint32_t g;

  if (name == NULL || gid == NULL || !parse_id (gid, &g))
    return 0;
  if (q->name != NULL)
    {
      q->gid = g;
      return strcmp (name, q->name) == 0;
    }
  if (members == NULL || !list_has (members, q->member))
    return 0;
  for (size_t i = 0; i < q->n; i++)
    if (q->gids[i] == g)
      return 0;
  uint32_t *n = realloc (q->gids, (q->n + 1) * sizeof (uint32_t));
  if (n == NULL)
    return q->oom = 1;
  q->gids = n;
  q->gids[q->n++] = g;
  return 0;
}

static int resolve_user_part (const char *u, const char *passwd, struct bundle_user *out, keel_error **err)
{
  struct passwd_query q = { .name = u };

  if (parse_id (u, &q.uid))
    {
      /* numeric: verbatim; the passwd entry only supplies the primary group and home */
      q.by_uid = true;
      out->uid = q.uid;
      out->gid = 0;
      if (passwd != NULL && each_line (passwd, passwd_match, &q) > 0)
        {
          out->gid = q.out_gid;
          out->home = q.home;
        }
      return 0;
    }
  if (passwd == NULL)
    return keel_err (err, 0, "user \"%s\": the rootfs has no /etc/passwd", u);
  if (each_line (passwd, passwd_match, &q) <= 0)
    return keel_err (err, 0, "user \"%s\" not found in /etc/passwd", u);
  out->uid = q.out_uid;
  out->gid = q.out_gid;
  out->home = q.home;
  return 0;
}

int bundle_user_resolve (const char *spec, const char *passwd, const char *group, struct bundle_user *out,
                         keel_error **err)
{
  _cleanup_free_ char *user = strdup (spec ? spec : "");
  char *grp;

  memset (out, 0, sizeof (*out));
  if (user == NULL)
    return keel_err (err, ENOMEM, "user");
  grp = strchr (user, ':');
  if (grp != NULL)
    *grp++ = '\0';
  if (*user == '\0' && grp == NULL)
    {
      /* no Config.User: implementation-defined; root, as docker does */
      return resolve_user_part ("0", passwd, out, err);
    }
  if (resolve_user_part (*user ? user : "0", passwd, out, err) < 0)
    return -1;
  if (grp != NULL)
    {
      struct group_query q = { .name = grp };
      if (parse_id (grp, &out->gid))
        return 0;
      if (group == NULL || each_line (group, group_match, &q) <= 0)
        {
          bundle_user_clear (out);
          return keel_err (err, 0, "group \"%s\" not found in /etc/group", grp);
        }
      out->gid = q.gid;
      return 0;
    }
  if (!parse_id (user, &(uint32_t){ 0 }) && group != NULL)
    {
      /* a user name without a group: its supplementary groups */
      struct group_query q = { .member = user };
      each_line (group, group_match, &q);
      if (q.oom)
        {
          free (q.gids);
          bundle_user_clear (out);
          return keel_err (err, ENOMEM, "user");
        }
      out->additional_gids = q.gids;
      out->additional_gids_len = q.n;
    }
  return 0;
}

void bundle_user_clear (struct bundle_user *u)
{
  free (u->additional_gids);
  free (u->home);
  memset (u, 0, sizeof (*u));
}

int bundle_read_rootfs_file (int rootfd, const char *path, char **out, keel_error **err)
{
  _cleanup_close_ int fd = layer_open_in_root (rootfd, path, O_RDONLY);
  struct stat st;

  *out = NULL;
  if (fd < 0)
    return errno == ENOENT ? 0 : keel_err_errno (err, "open %s in the rootfs", path);
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    return keel_err (err, 0, "%s in the rootfs is not a regular file", path);
  if (st.st_size > (16 << 20))
    return keel_err (err, EFBIG, "%s in the rootfs", path);
  _cleanup_free_ char *buf = malloc ((size_t)st.st_size + 1);
  size_t len = 0;
  if (buf == NULL)
    return keel_err (err, ENOMEM, "%s in the rootfs", path);
  while (len < (size_t)st.st_size)
    {
      ssize_t n = read (fd, buf + len, (size_t)st.st_size - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return keel_err_errno (err, "read %s in the rootfs", path);
      if (n == 0)
        break;
      len += (size_t)n;
    }
  buf[len] = '\0';
  *out = keel_steal_ptr (buf);
  return 0;
}

/* ---- the conversion ---- */

static const char *env_value_name_end (const char *e)
{
  return strchrnul (e, '=');
}

static bool env_same_name (const char *a, const char *b)
{
  size_t la = (size_t)(env_value_name_end (a) - a), lb = (size_t)(env_value_name_end (b) - b);
  return la == lb && strncmp (a, b, la) == 0;
}

/* Set or replace NAME=VALUE in *ENV. */
static int env_set (char ***env, const char *entry, keel_error **err)
{
  for (char **p = *env; p != NULL && *p != NULL; p++)
    if (env_same_name (*p, entry))
      {
        char *s = strdup (entry);
        if (s == NULL)
          return keel_err (err, ENOMEM, "env");
        free (*p);
        *p = s;
        return 0;
      }
  return strv_push (env, entry, err);
}

static bool env_has (char *const *env, const char *name)
{
  for (size_t i = 0; env != NULL && env[i] != NULL; i++)
    if (env_same_name (env[i], name))
      return true;
  return false;
}

/* conversion.md "Verbatim Fields" note 1: Config.Env verbatim; additions only for names it lacks. */
static int make_env (const struct image_config *img, const struct bundle_options *o, const struct bundle_user *u,
                     char ***out, keel_error **err)
{
  _cleanup_strv_ char **env = NULL;

  if (strv_extend (&env, img->config.env, err) < 0)
    return -1;
  if (!env_has (env, "PATH") && strv_push (&env, BUNDLE_DEFAULT_PATH, err) < 0)
    return -1;
  if (o->tty && !env_has (env, "TERM") && strv_push (&env, "TERM=xterm", err) < 0)
    return -1;
  if (!env_has (env, "HOME"))
    {
      _cleanup_free_ char *home = NULL;
      if (asprintf (&home, "HOME=%s", u->home && *u->home ? u->home : "/") < 0)
        return keel_err (err, ENOMEM, "env");
      if (strv_push (&env, home, err) < 0)
        return -1;
    }
  for (size_t i = 0; o->env != NULL && o->env[i] != NULL; i++)
    {
      _cleanup_free_ char *entry = NULL;
      const char *e = o->env[i];
      if (strchr (e, '=') == NULL)
        {
          /* -e NAME: the caller's value, as docker run does */
          const char *v = getenv (e);
          if (v == NULL)
            continue;
          if (asprintf (&entry, "%s=%s", e, v) < 0)
            return keel_err (err, ENOMEM, "env");
          e = entry;
        }
      if (*e == '=')
        return keel_err (err, 0, "invalid environment entry \"%s\"", o->env[i]);
      if (env_set (&env, e, err) < 0)
        return -1;
    }
  *out = keel_steal_ptr (env);
  return 0;
}

/* conversion.md "Verbatim Fields" note 2: Entrypoint followed by Cmd. */
static int make_args (const struct image_config *img, const struct bundle_options *o, char ***out, size_t *len,
                      keel_error **err)
{
  _cleanup_strv_ char **args = NULL;
  char **entrypoint = o->entrypoint ? o->entrypoint : img->config.entrypoint;
  /* a new entrypoint drops the image's Cmd (docker run --entrypoint) */
  char **cmd = o->args ? o->args : o->entrypoint ? NULL : img->config.cmd;

  if (strv_extend (&args, entrypoint, err) < 0 || strv_extend (&args, cmd, err) < 0)
    return -1;
  if (strv_len (args) == 0)
    return keel_err (err, 0, "no command: the image has neither Entrypoint nor Cmd (give one after --)");
  *len = strv_len (args);
  *out = keel_steal_ptr (args);
  return 0;
}

static int make_user (int rootfd, const char *spec, struct bundle_user *u, keel_error **err)
{
  _cleanup_free_ char *passwd = NULL, *group = NULL;

  if (rootfd >= 0
      && (bundle_read_rootfs_file (rootfd, "etc/passwd", &passwd, err) < 0
          || bundle_read_rootfs_file (rootfd, "etc/group", &group, err) < 0))
    return -1;
  if (bundle_user_resolve (spec, passwd, group, u, err) < 0)
    return keel_err_prefix (err, "Config.User");
  return 0;
}

static int set_annotation (char ***map, const char *key, const char *value, keel_error **err)
{
  return value == NULL ? 0 : image_map_set (map, key, value, err);
}

static char *join_commas (char *const *v)
{
  size_t n = 1;
  char *s, *p;
  for (size_t i = 0; v[i] != NULL; i++)
    n += strlen (v[i]) + 1;
  if ((s = p = calloc (1, n)) == NULL)
    return NULL;
  for (size_t i = 0; v[i] != NULL; i++)
    p += sprintf (p, "%s%s", i ? "," : "", v[i]);
  return s;
}

/* conversion.md "Annotation Fields" and "Config.ExposedPorts": implicit annotations
 * first, Config.Labels after them so that they take precedence. */
static int make_annotations (const struct image_config *img, char ***map, keel_error **err)
{
  const char *prefix = "org.opencontainers.image.";
  _cleanup_free_ char *features = img->os_features ? join_commas (img->os_features) : NULL;
  _cleanup_free_ char *ports = img->config.exposed_ports ? join_commas (img->config.exposed_ports) : NULL;
  const char *pairs[][2] = {
    { "os", img->os },           { "architecture", img->architecture },
    { "variant", img->variant }, { "os.version", img->os_version },
    { "os.features", features }, { "author", img->author },
    { "created", img->created }, { "stopSignal", img->config.stop_signal },
    { "exposedPorts", ports },
  };

  for (size_t i = 0; i < sizeof (pairs) / sizeof (pairs[0]); i++)
    {
      _cleanup_free_ char *key = NULL;
      if (asprintf (&key, "%s%s", prefix, pairs[i][0]) < 0)
        return keel_err (err, ENOMEM, "annotations");
      if (set_annotation (map, key, pairs[i][1], err) < 0)
        return -1;
    }
  for (size_t i = 0; img->config.labels != NULL && img->config.labels[i] != NULL; i += 2)
    if (image_map_set (map, img->config.labels[i], img->config.labels[i + 1], err) < 0)
      return -1;
  return 0;
}

/* "volumes/3-var_lib_data": unique by index, readable by name. */
static char *volume_name (size_t i, const char *dest)
{
  char *s = NULL;
  if (asprintf (&s, "%zu-%s", i, dest) < 0)
    return NULL;
  for (char *p = s; *p; p++)
    if (!isalnum ((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
      *p = '_';
  return s;
}

static int add_mount (struct runtime_config *c, const char *dest, const char *type, const char *source,
                      const char *const *options, keel_error **err)
{
  struct rc_mount *m = realloc (c->mounts, (c->mounts_len + 1) * sizeof (*m));
  if (m == NULL)
    return keel_err (err, ENOMEM, "mounts");
  c->mounts = m;
  m = &c->mounts[c->mounts_len];
  memset (m, 0, sizeof (*m));
  c->mounts_len++;
  if ((m->destination = strdup (dest)) == NULL || (m->type = strdup (type)) == NULL
      || (m->source = strdup (source)) == NULL)
    return keel_err (err, ENOMEM, "mounts");
  return strv_extend (&m->options, (char *const *)options, err);
}

/* conversion.md "Optional Fields" note 2: mounts at Config.Volumes. */
static int make_volumes (const struct image_config *img, const struct bundle_options *o, struct runtime_config *c,
                         keel_error **err)
{
  static const char *const tmpfs_opts[] = { "nosuid", "nodev", "mode=755", NULL };
  static const char *const bind_opts[] = { "rbind", "rw", NULL };

  if (o->volumes == BUNDLE_VOLUMES_NONE)
    return 0;
  for (size_t i = 0; img->config.volumes != NULL && img->config.volumes[i] != NULL; i++)
    {
      const char *dest = img->config.volumes[i];
      _cleanup_free_ char *name = volume_name (i, dest), *source = NULL;
      if (name == NULL)
        return keel_err (err, ENOMEM, "volumes");
      if (dest[0] != '/')
        return keel_err (err, 0, "Config.Volumes: \"%s\" is not an absolute path", dest);
      if (o->volumes == BUNDLE_VOLUMES_TMPFS)
        {
          if (add_mount (c, dest, "tmpfs", "tmpfs", tmpfs_opts, err) < 0)
            return -1;
          continue;
        }
      /* bind sources relative to the bundle (runtime-spec config.md "Mounts") */
      if (asprintf (&source, "%s/%s", o->volumes == BUNDLE_VOLUMES_BIND ? o->volumes_dir : "volumes", name) < 0)
        return keel_err (err, ENOMEM, "volumes");
      if (add_mount (c, dest, "bind", source, bind_opts, err) < 0)
        return -1;
    }
  return 0;
}

static int apply_process (const struct image_config *img, int rootfd, const struct bundle_options *o,
                          struct rc_process *p, keel_error **err)
{
  struct bundle_user u;
  const char *wd = o->workdir ? o->workdir : img->config.working_dir;
  int r = -1;

  if (make_user (rootfd, o->user ? o->user : img->config.user, &u, err) < 0)
    return -1;
  free (p->user.additional_gids);
  p->user.uid = u.uid;
  p->user.gid = u.gid;
  p->user.additional_gids = keel_steal_ptr (u.additional_gids);
  p->user.additional_gids_len = u.additional_gids_len;
  keel_strv_freep (&p->env);
  keel_strv_freep (&p->args);
  free (p->cwd);
  p->cwd = NULL;
  if (make_env (img, o, &u, &p->env, err) < 0 || make_args (img, o, &p->args, &p->args_len, err) < 0)
    goto out;
  /* runtime-spec requires an absolute cwd; docker reads a relative WorkingDir from / */
  if (asprintf (&p->cwd, "%s%s", wd && wd[0] == '/' ? "" : "/", wd && *wd ? wd : "") < 0)
    {
      p->cwd = NULL;
      keel_err (err, ENOMEM, "cwd");
      goto out;
    }
  p->terminal = o->tty;
  r = 0;
out:
  bundle_user_clear (&u);
  return r;
}

int bundle_make_config (const struct image_config *img, int rootfd, const struct bundle_options *o,
                        struct runtime_config **out, keel_error **err)
{
  _cleanup_runtime_config_ struct runtime_config *c = NULL;

  if (runtime_config_default (o->rootless, &c, err) < 0)
    return -1;
  if (apply_process (img, rootfd, o, c->process, err) < 0 || make_annotations (img, &c->annotations, err) < 0
      || make_volumes (img, o, c, err) < 0)
    return -1;
  c->root->readonly = o->read_only;
  if (o->hostname != NULL)
    {
      free (c->hostname);
      if ((c->hostname = strdup (o->hostname)) == NULL)
        return keel_err (err, ENOMEM, "hostname");
    }
  *out = keel_steal_ptr (c);
  return 0;
}

int bundle_config_json (const struct image_config *img, int rootfd, const struct bundle_options *o, char **out,
                        keel_error **err)
{
  _cleanup_runtime_config_ struct runtime_config *c = NULL;
  if (bundle_make_config (img, rootfd, o, &c, err) < 0)
    return -1;
  return runtime_config_emit (c, true, out, NULL, err);
}

int bundle_volumes_parse (const char *s, struct bundle_options *o, keel_error **err)
{
  if (strcmp (s, "tmpfs") == 0)
    o->volumes = BUNDLE_VOLUMES_TMPFS;
  else if (strcmp (s, "none") == 0)
    o->volumes = BUNDLE_VOLUMES_NONE;
  else if (strcmp (s, "bundle") == 0)
    o->volumes = BUNDLE_VOLUMES_BUNDLE;
  else if (strncmp (s, "bind:", 5) == 0 && s[5] == '/')
    {
      o->volumes = BUNDLE_VOLUMES_BIND;
      o->volumes_dir = s + 5;
    }
  else
    return keel_err (err, 0, "invalid --volumes \"%s\": expected tmpfs, bind:/DIR, bundle or none", s);
  return 0;
}

/* ---- the bundle on disk ---- */

/* Move the image's content at volume DEST out of the rootfs into VOLFD/NAME
 * (conversion.md: MAY seed the mount with the image's data; data in volumes is
 * not part of the rootfs), leaving an empty mount point with the same mode and owner. */
static int seed_volume (int rootfd, int volfd, const char *dest, const char *name, keel_error **err)
{
  _cleanup_free_ char *path = strdup (dest);
  _cleanup_close_ int parentfd = -1;
  char *base;
  size_t n;
  struct stat st;

  if (path == NULL)
    return keel_err (err, ENOMEM, "volume %s", dest);
  n = strlen (path);
  while (n > 1 && path[n - 1] == '/')
    path[--n] = '\0';
  base = strrchr (path, '/');
  *base++ = '\0';
  parentfd = layer_open_in_root (rootfd, path, O_PATH | O_DIRECTORY);
  if (parentfd < 0 || *base == '\0' || strcmp (base, "..") == 0 || strcmp (base, ".") == 0
      || fstatat (parentfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (st.st_mode))
    {
      /* nothing (or no plain directory) in the image there: an empty volume */
      if (mkdirat (volfd, name, 0755) < 0)
        return keel_err_errno (err, "create volume %s", name);
      return 0;
    }
  if (renameat (parentfd, base, volfd, name) < 0)
    return keel_err_errno (err, "move %s out of the rootfs", dest);
  if (mkdirat (parentfd, base, st.st_mode & 07777) < 0)
    return keel_err_errno (err, "create mount point %s", dest);
  if (fchownat (parentfd, base, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && geteuid () == 0)
    return keel_err_errno (err, "chown mount point %s", dest);
  return 0;
}

static int cmp_len_desc (const void *a, const void *b)
{
  size_t la = strlen (*(char *const *)a), lb = strlen (*(char *const *)b);
  return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Deeper volumes first, so that /data/sub is moved out before /data is. */
static int prepare_volumes (const struct image_config *img, const struct bundle_options *o, int bundlefd, int rootfd,
                            keel_error **err)
{
  size_t n = strv_len (img->config.volumes);
  _cleanup_free_ char **order = NULL;
  _cleanup_close_ int volfd = -1;

  if (n == 0 || o->volumes == BUNDLE_VOLUMES_NONE || o->volumes == BUNDLE_VOLUMES_TMPFS)
    return 0;
  if ((order = malloc (n * sizeof (char *))) == NULL)
    return keel_err (err, ENOMEM, "volumes");
  memcpy (order, img->config.volumes, n * sizeof (char *));
  qsort (order, n, sizeof (char *), cmp_len_desc);
  if (o->volumes == BUNDLE_VOLUMES_BUNDLE
      && (mkdirat (bundlefd, "volumes", 0755) < 0
          || (volfd = openat (bundlefd, "volumes", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0))
    return keel_err_errno (err, "create volumes/");
  for (size_t k = 0; k < n; k++)
    {
      size_t i = 0;
      while (img->config.volumes[i] != order[k])
        i++;
      _cleanup_free_ char *name = volume_name (i, order[k]), *dir = NULL;
      if (name == NULL)
        return keel_err (err, ENOMEM, "volumes");
      if (o->volumes == BUNDLE_VOLUMES_BUNDLE)
        {
          if (seed_volume (rootfd, volfd, order[k], name, err) < 0)
            return -1;
          continue;
        }
      if (asprintf (&dir, "%s/%s", o->volumes_dir, name) < 0)
        return keel_err (err, ENOMEM, "volumes");
      if (mkdir_p (dir, 0755, err) < 0)
        return -1;
    }
  return 0;
}

static int apply_layers (int rootfd, const struct image_config *img, const struct bundle_layer *layers, size_t n,
                         const struct layer_options *lo, keel_error **err)
{
  struct layer_options o = *lo;
  uint64_t consumed = 0;

  if (img->diff_ids != NULL && img->n_diff_ids != n)
    return keel_err (err, 0, "the image config lists %zu diff_ids for %zu layers", img->n_diff_ids, n);
  for (size_t i = 0; i < n; i++)
    {
      o.media_type = layers[i].media_type;
      o.diff_id = layers[i].diff_id;
      if (layer_apply_file (rootfd, layers[i].path, &o, &consumed, err) < 0)
        return keel_err_prefix (err, "layer %zu", i + 1);
    }
  return 0;
}

/* bundle_create's way of filling the rootfs: the layers applied in order. */
struct apply_args
{
  const struct image_config *img;
  const struct bundle_layer *layers;
  size_t n;
  const struct layer_options *lo;
};

static int apply_fill (void *data, int rootfd, keel_error **err)
{
  const struct apply_args *a = data;
  return apply_layers (rootfd, a->img, a->layers, a->n, a->lo, err);
}

static int fill_bundle (const char *tmp, const struct image_config *img, bundle_fill_fn fill, void *data,
                        const struct bundle_options *o, keel_error **err)
{
  _cleanup_close_ int bundlefd = open (tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int rootfd = -1;
  _cleanup_free_ char *json = NULL, *config = NULL;

  if (bundlefd < 0 || fchmod (bundlefd, 0755) < 0 || mkdirat (bundlefd, "rootfs", 0755) < 0
      || (rootfd = openat (bundlefd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return keel_err_errno (err, "create `%s/rootfs`", tmp);
  if (fill (data, rootfd, err) < 0 || prepare_volumes (img, o, bundlefd, rootfd, err) < 0
      || bundle_config_json (img, rootfd, o, &json, err) < 0)
    return -1;
  if (asprintf (&config, "%s/config.json", tmp) < 0)
    return keel_err (err, ENOMEM, "config.json");
  return write_file_atomic (config, json, strlen (json), 0644, 0, err);
}

int bundle_create (const char *bundle, const struct image_config *img, const struct bundle_layer *layers,
                   size_t n_layers, const struct bundle_options *o, const struct layer_options *lo, keel_error **err)
{
  struct apply_args a = { img, layers, n_layers, lo };
  return bundle_create_with (bundle, img, apply_fill, &a, o, err);
}

int bundle_create_with (const char *bundle, const struct image_config *img, bundle_fill_fn fill, void *data,
                        const struct bundle_options *o, keel_error **err)
{
  _cleanup_free_ char *path = strdup (bundle), *tmp = NULL;
  size_t len;

  if (path == NULL)
    return keel_err (err, ENOMEM, "bundle");
  len = strlen (path);
  while (len > 1 && path[len - 1] == '/')
    path[--len] = '\0';
  if (asprintf (&tmp, "%s.tmp-XXXXXX", path) < 0)
    return keel_err (err, ENOMEM, "bundle");
  if (mkdtemp (tmp) == NULL)
    return keel_err_errno (err, "create `%s`", tmp);
  if (fill_bundle (tmp, img, fill, data, o, err) < 0)
    goto fail;
  /* rename(2) replaces an empty directory and refuses a non-empty one */
  if (rename (tmp, path) < 0)
    {
      if (errno == ENOTEMPTY || errno == EEXIST)
        keel_err (err, errno, "bundle `%s` already exists", path);
      else
        keel_err_errno (err, "rename `%s` to `%s`", tmp, path);
      goto fail;
    }
  return 0;
fail:
  {
    keel_error *ignored = NULL;
    layer_remove_tree (AT_FDCWD, tmp, &ignored);
    keel_error_free (ignored);
  }
  return keel_err_prefix (err, "bundle `%s`", path);
}
