/* Apply one image layer (a tar changeset, plain/gzip/zstd) onto a rootfs without ever leaving it. */
#include "config.h"
#include "layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"
#include "image.h"

/* ---- a set of relative paths (what this layer created) ---- */

struct path_set
{
  char **slots; /* open addressing, NULL = empty */
  size_t cap, len;
};

static uint64_t hash_str (const char *s)
{
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static bool path_set_has (const struct path_set *s, const char *p)
{
  if (s->cap == 0)
    return false;
  for (size_t i = hash_str (p) & (s->cap - 1);; i = (i + 1) & (s->cap - 1))
    {
      if (s->slots[i] == NULL)
        return false;
      if (strcmp (s->slots[i], p) == 0)
        return true;
    }
}

static int path_set_grow (struct path_set *s)
{
  size_t cap = s->cap ? s->cap * 2 : 256;
  char **slots = calloc (cap, sizeof (char *));
  if (slots == NULL)
    return -1;
  for (size_t i = 0; i < s->cap; i++)
    if (s->slots[i] != NULL)
      {
        size_t j = hash_str (s->slots[i]) & (cap - 1);
        while (slots[j] != NULL)
          j = (j + 1) & (cap - 1);
        slots[j] = s->slots[i];
      }
  free (s->slots);
  s->slots = slots;
  s->cap = cap;
  return 0;
}

static int path_set_add (struct path_set *s, const char *p)
{
  size_t i;
  if (path_set_has (s, p))
    return 0;
  if ((s->len + 1) * 2 > s->cap && path_set_grow (s) < 0)
    return -1;
  i = hash_str (p) & (s->cap - 1);
  while (s->slots[i] != NULL)
    i = (i + 1) & (s->cap - 1);
  if ((s->slots[i] = strdup (p)) == NULL)
    return -1;
  s->len++;
  return 0;
}

static void path_set_clear (struct path_set *s)
{
  for (size_t i = 0; i < s->cap; i++)
    free (s->slots[i]);
  free (s->slots);
  memset (s, 0, sizeof (*s));
}

/* ---- state of one layer application ---- */

struct dir_time
{
  char *path;
  struct timespec ts[2];
};

struct applier
{
  int rootfd;
  const struct layer_options *o;
  struct path_set created;    /* paths this layer put in place: whiteouts must spare them */
  struct path_set ancestors;  /* directories above a created path */
  struct dir_time *dir_times; /* applied last, as creating entries changes a directory's mtime */
  size_t n_dir_times, cap_dir_times;
  uint64_t max_entry;
  bool warned_chown;
};

static void warn (struct applier *a, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static void warn (struct applier *a, const char *fmt, ...)
{
  _cleanup_free_ char *msg = NULL;
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  if (msg == NULL)
    return;
  if (a->o->log != NULL)
    log_msg (a->o->log, LOG_LEVEL_WARNING, "%s", msg);
  else
    fprintf (stderr, "imagetool: warning: %s\n", msg);
}

/* A tar name made relative to the rootfs: "", "." and "/" components dropped
 * and ".." resolved lexically, clamped at the root, the way RESOLVE_IN_ROOT
 * would treat it ("../../etc/x" is "etc/x"). "" names the root itself. */
static char *clean_path (const char *name)
{
  size_t n = strlen (name);
  char *out = malloc (n + 1);
  size_t len = 0;

  if (out == NULL)
    return NULL;
  for (const char *p = name; *p;)
    {
      const char *end = strchrnul (p, '/');
      size_t clen = (size_t)(end - p);
      if (clen == 0 || (clen == 1 && p[0] == '.'))
        ;
      else if (clen == 2 && p[0] == '.' && p[1] == '.')
        {
          while (len > 0 && out[len - 1] != '/')
            len--;
          if (len > 0)
            len--;
        }
      else
        {
          if (len > 0)
            out[len++] = '/';
          memcpy (out + len, p, clen);
          len += clen;
        }
      p = *end ? end + 1 : end;
    }
  out[len] = '\0';
  return out;
}

/* Split a cleaned path into its directory ("" for top level) and final component. */
static void split_path (char *path, const char **dir, const char **base)
{
  char *slash = strrchr (path, '/');
  if (slash == NULL)
    {
      *dir = "";
      *base = path;
      return;
    }
  *slash = '\0';
  *dir = path;
  *base = slash + 1;
}

static char *join_path (const char *dir, const char *base)
{
  char *s = NULL;
  if (asprintf (&s, "%s%s%s", dir, *dir ? "/" : "", base) < 0)
    return NULL;
  return s;
}

/* Open DIR (relative, cleaned) inside the rootfs: symlinks met on the way are
 * followed as if the rootfs were "/", ".." cannot climb out, and magic links
 * (/proc/self/...) are refused. */
int layer_open_in_root (int rootfd, const char *path, int flags)
{
  struct open_how how = {
    .flags = (uint64_t)(flags | O_CLOEXEC),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  return (int)syscall (SYS_openat2, rootfd, *path ? path : ".", &how, sizeof (how));
}

static int open_in_root (int rootfd, const char *dir, int flags)
{
  return layer_open_in_root (rootfd, dir, flags | O_DIRECTORY);
}

static int mark_created (struct applier *a, const char *path)
{
  _cleanup_free_ char *p = strdup (path);
  if (p == NULL || path_set_add (&a->created, path) < 0)
    return -1;
  for (char *s = strrchr (p, '/'); s != NULL; s = strrchr (p, '/'))
    {
      *s = '\0';
      if (path_set_add (&a->ancestors, p) < 0)
        return -1;
    }
  return 0;
}

/* The parent directory DIR of an entry, creating missing components (0755,
 * owned by the caller) as tar writers may omit them. */
static int open_parent (struct applier *a, const char *dir, keel_error **err)
{
  _cleanup_free_ char *prefix = NULL;
  int fd = open_in_root (a->rootfd, dir, O_PATH);
  size_t len = 0, n = strlen (dir);

  if (fd >= 0 || errno != ENOENT)
    return fd >= 0 ? fd : keel_err_errno (err, "open parent `%s`", dir);
  prefix = strdup (dir);
  if (prefix == NULL)
    return keel_err (err, ENOMEM, "open parent `%s`", dir);
  while (len < n)
    {
      _cleanup_close_ int pfd = -1;
      const char *comp = dir + len;
      size_t clen = strcspn (comp, "/");
      char saved;

      prefix[len] = '\0';
      pfd = open_in_root (a->rootfd, prefix, O_PATH);
      if (pfd < 0)
        return keel_err_errno (err, "open parent `%s`", prefix);
      len += clen;
      saved = prefix[len];
      memcpy (prefix, dir, len);
      prefix[len] = '\0';
      fd = open_in_root (a->rootfd, prefix, O_PATH);
      if (fd < 0 && errno == ENOENT)
        {
          _cleanup_free_ char *name = strndup (comp, clen);
          if (name == NULL || mkdirat (pfd, name, 0755) < 0)
            return keel_err_errno (err, "create parent `%s`", prefix);
          if (mark_created (a, prefix) < 0)
            return keel_err (err, ENOMEM, "create parent `%s`", prefix);
          fd = open_in_root (a->rootfd, prefix, O_PATH);
        }
      if (fd < 0)
        return keel_err_errno (err, "open parent `%s`", prefix);
      prefix[len] = saved;
      if (len < n)
        {
          close (fd);
          len++; /* the slash */
        }
    }
  return fd;
}

/* ---- removal (never following the final component) ---- */

static int remove_all (int parentfd, const char *name, keel_error **err);

static int list_dir (int dirfd, char ***out, keel_error **err)
{
  _cleanup_closedir_ DIR *d = NULL;
  _cleanup_strv_ char **v = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return keel_err_errno (err, "read directory");
    }
  while ((errno = 0, de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (n + 2 > cap)
        {
          char **nv = realloc (v, (cap = cap ? cap * 2 : 16) * sizeof (char *));
          if (nv == NULL)
            return keel_err (err, ENOMEM, "read directory");
          v = nv;
        }
      if ((v[n] = strdup (de->d_name)) == NULL)
        return keel_err (err, ENOMEM, "read directory");
      v[++n] = NULL;
    }
  if (errno != 0)
    return keel_err_errno (err, "read directory");
  if (v == NULL && (v = calloc (1, sizeof (char *))) == NULL)
    return keel_err (err, ENOMEM, "read directory");
  *out = keel_steal_ptr (v);
  return 0;
}

static int remove_dir_contents (int dirfd, keel_error **err)
{
  _cleanup_strv_ char **names = NULL;
  if (list_dir (dirfd, &names, err) < 0)
    return -1;
  for (char **p = names; *p; p++)
    if (remove_all (dirfd, *p, err) < 0)
      return -1;
  return 0;
}

static int remove_all (int parentfd, const char *name, keel_error **err)
{
  _cleanup_close_ int fd = -1;
  struct stat st;

  if (fstatat (parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : keel_err_errno (err, "stat `%s`", name);
  if (!S_ISDIR (st.st_mode))
    {
      if (unlinkat (parentfd, name, 0) < 0 && errno != ENOENT)
        return keel_err_errno (err, "remove `%s`", name);
      return 0;
    }
  fd = openat (parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return keel_err_errno (err, "open `%s`", name);
  if (remove_dir_contents (fd, err) < 0)
    return keel_err_prefix (err, "remove `%s`", name);
  if (unlinkat (parentfd, name, AT_REMOVEDIR) < 0)
    return keel_err_errno (err, "remove `%s`", name);
  return 0;
}

int layer_remove_tree (int dirfd, const char *name, keel_error **err)
{
  return remove_all (dirfd, name, err);
}

/* Remove what lower layers left at REL (NAME in PARENTFD), sparing every path
 * this layer created: image-spec layer.md "Whiteouts": whiteout files MUST only
 * apply to resources in lower/parent layers. */
static int remove_lower (struct applier *a, int parentfd, const char *name, const char *rel, keel_error **err)
{
  _cleanup_strv_ char **names = NULL;
  _cleanup_close_ int fd = -1;
  struct stat st;

  if (!path_set_has (&a->created, rel) && !path_set_has (&a->ancestors, rel))
    return remove_all (parentfd, name, err);
  if (fstatat (parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : keel_err_errno (err, "stat `%s`", rel);
  if (!S_ISDIR (st.st_mode))
    return 0; /* created by this layer */
  fd = openat (parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || list_dir (fd, &names, err) < 0)
    return fd < 0 ? keel_err_errno (err, "open `%s`", rel) : keel_err_prefix (err, "`%s`", rel);
  for (char **p = names; *p; p++)
    {
      _cleanup_free_ char *child = join_path (rel, *p);
      if (child == NULL)
        return keel_err (err, ENOMEM, "whiteout `%s`", rel);
      if (remove_lower (a, fd, *p, child, err) < 0)
        return -1;
    }
  return 0;
}

/* `.wh.NAME` in DIR, or the opaque marker `.wh..wh..opq` (image-spec layer.md
 * "Whiteouts", "Opaque Whiteout"). The opaque marker hides every lower child of
 * DIR wherever it sits in the tar: as this layer's own entries are spared,
 * applying it when met is the same as applying it first. */
static int apply_whiteout (struct applier *a, const char *dir, const char *base, keel_error **err)
{
  const char *target = base + strlen (".wh.");
  _cleanup_close_ int fd = -1;
  _cleanup_free_ char *rel = NULL;

  if (strcmp (target, ".wh..opq") == 0)
    {
      _cleanup_strv_ char **names = NULL;
      fd = open_in_root (a->rootfd, dir, O_RDONLY);
      if (fd < 0)
        return errno == ENOENT ? 0 : keel_err_errno (err, "opaque whiteout in `%s`", dir);
      if (list_dir (fd, &names, err) < 0)
        return keel_err_prefix (err, "opaque whiteout in `%s`", dir);
      for (char **p = names; *p; p++)
        {
          _cleanup_free_ char *child = join_path (dir, *p);
          if (child == NULL || remove_lower (a, fd, *p, child, err) < 0)
            return child == NULL ? keel_err (err, ENOMEM, "opaque whiteout") : -1;
        }
      return 0;
    }
  if (strncmp (target, ".wh.", 4) == 0)
    {
      /* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): never content */
      warn (a, "ignoring aufs metadata entry `%s%s%s`", dir, *dir ? "/" : "", base);
      return 0;
    }
  if (*target == '\0' || strcmp (target, ".") == 0 || strcmp (target, "..") == 0)
    return keel_err (err, 0, "invalid whiteout `%s`", base);
  fd = open_in_root (a->rootfd, dir, O_PATH);
  if (fd < 0)
    return errno == ENOENT ? 0 : keel_err_errno (err, "whiteout in `%s`", dir);
  rel = join_path (dir, target);
  if (rel == NULL)
    return keel_err (err, ENOMEM, "whiteout");
  return remove_lower (a, fd, target, rel, err);
}

/* ---- metadata ---- */

int layer_id_map_apply (const struct layer_id_map *map, size_t len, uint32_t id, uint32_t *out)
{
  if (len == 0)
    {
      *out = id;
      return 0;
    }
  for (size_t i = 0; i < len; i++)
    if (id >= map[i].container_id && id - map[i].container_id < map[i].size)
      {
        *out = map[i].host_id + (id - map[i].container_id);
        return 0;
      }
  return -1;
}

int layer_id_map_parse (const char *s, struct layer_id_map **map, size_t *len, keel_error **err)
{
  unsigned long long c, h, n;
  int end = 0;
  struct layer_id_map *nm;

  if (sscanf (s, "%llu:%llu:%llu%n", &c, &h, &n, &end) != 3 || s[end] != '\0' || c > UINT32_MAX || h > UINT32_MAX
      || n == 0 || n > UINT32_MAX || c + n - 1 > UINT32_MAX || h + n - 1 > UINT32_MAX)
    return keel_err (err, 0, "invalid id map `%s`: expected CONTAINER:HOST:SIZE", s);
  nm = realloc (*map, (*len + 1) * sizeof (**map));
  if (nm == NULL)
    return keel_err (err, ENOMEM, "id map");
  nm[*len] = (struct layer_id_map){ (uint32_t)c, (uint32_t)h, (uint32_t)n };
  *map = nm;
  (*len)++;
  return 0;
}

static size_t put_varint (unsigned char *p, uint32_t v)
{
  size_t n = 0;
  for (; v >= 0x80; v >>= 7)
    p[n++] = (unsigned char)(v | 0x80);
  p[n++] = (unsigned char)v;
  return n;
}

/* A rootless unpack without id maps leaves every file the caller's: the owners the layer asked for are kept
 * where umoci (unpack --rootless) and other rootless tools look for them, the user.rootlesscontainers xattr,
 * a protobuf `Resource { uint32 uid = 1; uint32 gid = 2; }` (github.com/rootless-containers/proto) where
 * 4294967295 means "unchanged": the caller is root in the container, so 0 is written as that, and 0:0
 * gets no xattr at all. Symlinks cannot carry user.* xattrs (xattr(7)) and go without, as with umoci. */
static int record_owner (struct applier *a, int parentfd, const char *name, struct archive_entry *e, uint32_t uid,
                         uint32_t gid, keel_error **err)
{
  unsigned char buf[2 * (1 + 5)];
  _cleanup_free_ char *path = NULL;
  size_t n = 0;

  if ((uid == 0 && gid == 0) || archive_entry_filetype (e) == AE_IFLNK)
    return 0;
  buf[n++] = 0x08; /* field 1, varint */
  n += put_varint (buf + n, uid ? uid : UINT32_MAX);
  buf[n++] = 0x10; /* field 2, varint */
  n += put_varint (buf + n, gid ? gid : UINT32_MAX);
  if (asprintf (&path, "/proc/self/fd/%d/%s", parentfd, name) < 0)
    return keel_err (err, ENOMEM, "xattrs");
  if (lsetxattr (path, LAYER_ROOTLESS_XATTR, buf, n, 0) == 0)
    return 0;
  if (errno != ENOTSUP && errno != EPERM && errno != EACCES)
    return keel_err_errno (err, "set xattr %s", LAYER_ROOTLESS_XATTR);
  if (!a->warned_chown)
    warn (a, "cannot record the image's owners in %s: %s", LAYER_ROOTLESS_XATTR, strerror (errno));
  a->warned_chown = true;
  return 0;
}

static int set_owner (struct applier *a, int parentfd, const char *name, struct archive_entry *e, keel_error **err)
{
  const struct layer_options *o = a->o;
  uint32_t uid, gid;
  la_int64_t euid = archive_entry_uid (e), egid = archive_entry_gid (e);

  if (euid < 0 || euid > UINT32_MAX || egid < 0 || egid > UINT32_MAX
      || layer_id_map_apply (o->uid_map, o->uid_map_len, (uint32_t)euid, &uid) < 0
      || layer_id_map_apply (o->gid_map, o->gid_map_len, (uint32_t)egid, &gid) < 0)
    return keel_err (err, 0, "owner %" PRId64 ":%" PRId64 " is outside the id mappings", (int64_t)euid, (int64_t)egid);
  if (o->rootless && o->uid_map_len == 0 && o->gid_map_len == 0)
    return record_owner (a, parentfd, name, e, uid, gid, err); /* everything stays the caller's */
  if (fchownat (parentfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0)
    return 0;
  if (o->rootless && (errno == EPERM || errno == EINVAL))
    {
      if (!a->warned_chown)
        warn (a, "cannot change ownership when unprivileged; files keep the caller's ids");
      a->warned_chown = true;
      return 0;
    }
  return keel_err_errno (err, "chown %" PRIu32 ":%" PRIu32, uid, gid);
}

/* Extended attributes, including security.capability (set after chown, which clears it). */
/* A directory kept from a lower layer takes the entry's attributes (image-spec layer.md
 * "Changeset over existing files"): its old xattrs go, except the SELinux label, which
 * belongs to the host's policy rather than to the image. */
static int clear_xattrs (int parentfd, const char *name, keel_error **err)
{
  _cleanup_free_ char *path = NULL, *list = NULL;
  ssize_t len;

  if (asprintf (&path, "/proc/self/fd/%d/%s", parentfd, name) < 0)
    return keel_err (err, ENOMEM, "xattrs");
  len = llistxattr (path, NULL, 0);
  if (len <= 0)
    return len < 0 && errno != ENOTSUP ? keel_err_errno (err, "list xattrs") : 0;
  if ((list = malloc ((size_t)len)) == NULL)
    return keel_err (err, ENOMEM, "xattrs");
  if ((len = llistxattr (path, list, (size_t)len)) < 0)
    return keel_err_errno (err, "list xattrs");
  for (char *k = list; k < list + len; k += strlen (k) + 1)
    if (strcmp (k, "security.selinux") != 0 && lremovexattr (path, k) < 0 && errno != ENODATA && errno != EPERM)
      return keel_err_errno (err, "remove xattr %s", k);
  return 0;
}

static int set_xattrs (struct applier *a, int parentfd, const char *name, struct archive_entry *e, keel_error **err)
{
  _cleanup_free_ char *path = NULL;
  const char *key;
  const void *value;
  size_t size;

  if (archive_entry_xattr_reset (e) == 0)
    return 0;
  /* The parent through its fd, the final component not followed (l*xattr). */
  if (asprintf (&path, "/proc/self/fd/%d/%s", parentfd, name) < 0)
    return keel_err (err, ENOMEM, "xattrs");
  while (archive_entry_xattr_next (e, &key, &value, &size) == ARCHIVE_OK)
    {
      if (lsetxattr (path, key, value, size, 0) == 0)
        continue;
      if (errno == ENOTSUP || errno == EPERM || (a->o->rootless && errno == EACCES))
        {
          warn (a, "xattr %s not set on `%s`: %s", key, name, strerror (errno));
          continue;
        }
      return keel_err_errno (err, "set xattr %s", key);
    }
  return 0;
}

static mode_t entry_perm (struct applier *a, struct archive_entry *e)
{
  mode_t perm = archive_entry_perm (e) & 07777;
  if (a->o->rootless && archive_entry_filetype (e) == AE_IFDIR)
    perm |= 0700; /* the caller must be able to add to and later remove it */
  return perm;
}

static void entry_times (struct archive_entry *e, struct timespec ts[2])
{
  ts[1].tv_sec = archive_entry_mtime (e);
  ts[1].tv_nsec = archive_entry_mtime_nsec (e);
  if (archive_entry_atime_is_set (e))
    {
      ts[0].tv_sec = archive_entry_atime (e);
      ts[0].tv_nsec = archive_entry_atime_nsec (e);
    }
  else
    ts[0] = ts[1];
}

static int defer_dir_time (struct applier *a, const char *rel, struct archive_entry *e)
{
  if (a->n_dir_times == a->cap_dir_times)
    {
      size_t cap = a->cap_dir_times ? a->cap_dir_times * 2 : 64;
      struct dir_time *n = realloc (a->dir_times, cap * sizeof (*n));
      if (n == NULL)
        return -1;
      a->dir_times = n;
      a->cap_dir_times = cap;
    }
  if ((a->dir_times[a->n_dir_times].path = strdup (rel)) == NULL)
    return -1;
  entry_times (e, a->dir_times[a->n_dir_times].ts);
  a->n_dir_times++;
  return 0;
}

/* Owner, then mode (chown clears setuid), then xattrs (chown clears
 * security.capability), then times (directories: at the end of the layer). */
static int set_metadata (struct applier *a, int parentfd, const char *name, const char *rel, struct archive_entry *e,
                         keel_error **err)
{
  unsigned int type = archive_entry_filetype (e);
  struct timespec ts[2];

  if (set_owner (a, parentfd, name, e, err) < 0)
    return -1;
  if (type != AE_IFLNK && fchmodat (parentfd, name, entry_perm (a, e), 0) < 0)
    return keel_err_errno (err, "chmod %04o", (unsigned)entry_perm (a, e));
  if (set_xattrs (a, parentfd, name, e, err) < 0)
    return -1;
  if (type == AE_IFDIR)
    return defer_dir_time (a, rel, e) < 0 ? keel_err (err, ENOMEM, "times") : 0;
  entry_times (e, ts);
  if (utimensat (parentfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
    return keel_err_errno (err, "set times");
  return 0;
}

/* Directory times last, once nothing more is created inside them. */
static int apply_dir_times (struct applier *a, keel_error **err)
{
  for (size_t i = 0; i < a->n_dir_times; i++)
    {
      _cleanup_free_ char *copy = strdup (a->dir_times[i].path);
      _cleanup_close_ int fd = -1;
      const char *dir, *base;

      if (copy == NULL)
        return keel_err (err, ENOMEM, "directory times");
      if (*copy == '\0')
        {
          if (utimensat (a->rootfd, ".", a->dir_times[i].ts, 0) < 0)
            return keel_err_errno (err, "set times of the rootfs");
          continue;
        }
      split_path (copy, &dir, &base);
      fd = open_in_root (a->rootfd, dir, O_PATH);
      if (fd < 0)
        {
          if (errno == ENOENT)
            continue; /* removed later in the same layer */
          return keel_err_errno (err, "set times of `%s`", a->dir_times[i].path);
        }
      if (utimensat (fd, base, a->dir_times[i].ts, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
        return keel_err_errno (err, "set times of `%s`", a->dir_times[i].path);
    }
  return 0;
}

/* ---- entries ---- */

static int write_data (struct applier *a, struct archive *ar, int fd, la_int64_t size, keel_error **err)
{
  const void *buf;
  size_t len;
  la_int64_t off;
  int r;

  while ((r = archive_read_data_block (ar, &buf, &len, &off)) == ARCHIVE_OK)
    {
      if (off < 0 || (uint64_t)off + len > (uint64_t)size)
        return keel_err (err, 0, "data beyond the entry's size");
      for (size_t done = 0; done < len;)
        {
          ssize_t n = pwrite (fd, (const char *)buf + done, len - done, off + (off_t)done);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            return keel_err_errno (err, "write");
          done += (size_t)n;
        }
    }
  if (r != ARCHIVE_EOF)
    return keel_err (err, archive_errno (ar), "read: %s", archive_error_string (ar));
  /* sparse files: a trailing hole */
  if (ftruncate (fd, size) < 0)
    return keel_err_errno (err, "truncate");
  return 0;
}

static int create_regular (struct applier *a, struct archive *ar, int parentfd, const char *name,
                           struct archive_entry *e, keel_error **err)
{
  _cleanup_close_ int fd = -1;
  la_int64_t size = archive_entry_size (e);

  if (size < 0 || (uint64_t)size > a->max_entry)
    return keel_err (err, EFBIG, "size %" PRId64 " exceeds the limit of %" PRIu64 " bytes", (int64_t)size,
                     a->max_entry);
  fd = openat (parentfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return keel_err_errno (err, "create");
  return write_data (a, ar, fd, size, err);
}

static int create_hardlink (struct applier *a, int parentfd, const char *name, const char *rel, const char *target,
                            keel_error **err)
{
  _cleanup_free_ char *t = clean_path (target);
  _cleanup_close_ int tfd = -1;
  const char *tdir, *tbase;
  struct stat st;

  if (t == NULL)
    return keel_err (err, ENOMEM, "hard link");
  if (*t == '\0')
    return keel_err (err, 0, "hard link to the rootfs itself");
  if (strcmp (t, rel) == 0)
    return 0; /* a link to itself: nothing to do */
  split_path (t, &tdir, &tbase);
  tfd = open_in_root (a->rootfd, tdir, O_PATH);
  if (tfd < 0 || fstatat (tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return keel_err_errno (err, "hard link target `%s`", target);
  if (S_ISDIR (st.st_mode))
    return keel_err (err, 0, "hard link target `%s` is a directory", target);
  if (remove_all (parentfd, name, err) < 0)
    return -1;
  /* flags 0: a symlink target is linked itself, never followed */
  if (linkat (tfd, tbase, parentfd, name, 0) < 0)
    return keel_err_errno (err, "hard link to `%s`", target);
  return 0;
}

static int create_special (struct applier *a, int parentfd, const char *name, struct archive_entry *e, bool *skipped,
                           keel_error **err)
{
  unsigned int type = archive_entry_filetype (e);
  mode_t perm = archive_entry_perm (e) & 07777;
  dev_t dev = makedev (archive_entry_rdevmajor (e), archive_entry_rdevminor (e));

  if (type == AE_IFIFO)
    return mkfifoat (parentfd, name, perm) < 0 ? keel_err_errno (err, "mkfifo") : 0;
  if (type == AE_IFSOCK)
    {
      warn (a, "skipping socket `%s`", name);
      *skipped = true;
      return 0;
    }
  if (!a->o->rootless && mknodat (parentfd, name, (type == AE_IFCHR ? S_IFCHR : S_IFBLK) | perm, dev) == 0)
    return 0;
  if (!a->o->rootless && errno != EPERM)
    return keel_err_errno (err, "mknod");
  warn (a, "skipping device node `%s` (%u:%u): not permitted", name, major (dev), minor (dev));
  *skipped = true;
  return 0;
}

/* Replace whatever is at NAME unless both are directories: image-spec layer.md
 * "Changeset over existing files" (unlink and recreate, never write through). */
static int make_room (int parentfd, const char *name, unsigned int type, bool *is_dir, keel_error **err)
{
  struct stat st;
  *is_dir = false;
  if (fstatat (parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : keel_err_errno (err, "stat");
  if (S_ISDIR (st.st_mode) && type == AE_IFDIR)
    {
      *is_dir = true;
      return 0;
    }
  return remove_all (parentfd, name, err);
}

static int create_entry (struct applier *a, struct archive *ar, int parentfd, const char *base, const char *rel,
                         struct archive_entry *e, keel_error **err)
{
  unsigned int type = archive_entry_filetype (e);
  const char *hardlink = archive_entry_hardlink (e);
  bool skipped = false, exists = false;

  if (hardlink != NULL)
    return create_hardlink (a, parentfd, base, rel, hardlink, err);
  if (make_room (parentfd, base, type, &exists, err) < 0)
    return -1;
  switch (type)
    {
    case AE_IFREG:
      if (create_regular (a, ar, parentfd, base, e, err) < 0)
        return -1;
      break;
    case AE_IFDIR:
      if (exists ? clear_xattrs (parentfd, base, err) < 0 : mkdirat (parentfd, base, 0700) < 0)
        return exists ? -1 : keel_err_errno (err, "mkdir");
      break;
    case AE_IFLNK:
      {
        const char *target = archive_entry_symlink (e);
        /* stored verbatim: it only ever gets resolved inside the rootfs */
        if (target == NULL || symlinkat (target, parentfd, base) < 0)
          return target == NULL ? keel_err (err, 0, "symlink without target") : keel_err_errno (err, "symlink");
        break;
      }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
    case AE_IFSOCK:
      if (create_special (a, parentfd, base, e, &skipped, err) < 0)
        return -1;
      if (skipped)
        return 0;
      break;
    default:
      return keel_err (err, 0, "unsupported entry type 0%o", type);
    }
  return set_metadata (a, parentfd, base, rel, e, err);
}

static int apply_entry (struct applier *a, struct archive *ar, struct archive_entry *e, keel_error **err)
{
  const char *name = archive_entry_pathname (e);
  _cleanup_free_ char *rel = NULL, *split = NULL;
  _cleanup_close_ int parentfd = -1;
  const char *dir, *base;

  if (name == NULL)
    name = archive_entry_pathname_utf8 (e);
  if (name == NULL)
    return keel_err (err, 0, "entry without a name");
  rel = clean_path (name);
  split = rel ? strdup (rel) : NULL;
  if (split == NULL)
    return keel_err (err, ENOMEM, "entry `%s`", name);
  if (*rel == '\0')
    {
      /* "./": the rootfs directory's own metadata */
      if (archive_entry_filetype (e) != AE_IFDIR || archive_entry_hardlink (e) != NULL)
        return keel_err (err, 0, "entry `%s`: the rootfs itself must be a directory", name);
      if (set_metadata (a, a->rootfd, ".", "", e, err) < 0)
        return keel_err_prefix (err, "entry `%s`", name);
      return 0;
    }
  split_path (split, &dir, &base);
  if (strncmp (base, ".wh.", 4) == 0)
    {
      if (apply_whiteout (a, dir, base, err) < 0)
        return keel_err_prefix (err, "entry `%s`", name);
      return 0;
    }
  parentfd = open_parent (a, dir, err);
  if (parentfd < 0 || create_entry (a, ar, parentfd, base, rel, e, err) < 0)
    return keel_err_prefix (err, "entry `%s`", name);
  if (mark_created (a, rel) < 0)
    return keel_err (err, ENOMEM, "entry `%s`", name);
  return 0;
}

/* ---- the streams: compressed blob → raw tar bytes (hashed, bounded) → entries ---- */

struct tar_stream
{
  struct archive *outer; /* decompression only (format "raw") */
  struct digest_hasher *hasher;
  uint64_t *consumed;
  uint64_t limit;
  bool over_limit;
  keel_error *err;
};

static la_ssize_t tar_stream_read (struct archive *inner, void *data, const void **buf)
{
  struct tar_stream *s = data;
  la_ssize_t n = archive_read_data (s->outer, (void *)(s + 1), 65536);

  (void)inner;
  if (n < 0)
    {
      archive_set_error (inner, archive_errno (s->outer), "%s", archive_error_string (s->outer));
      return -1;
    }
  *buf = s + 1;
  *s->consumed += (uint64_t)n;
  if (*s->consumed > s->limit)
    {
      s->over_limit = true;
      archive_set_error (inner, EFBIG, "decompressed size exceeds the limit of %" PRIu64 " bytes", s->limit);
      return -1;
    }
  if (s->hasher != NULL && digest_hasher_update (s->hasher, s + 1, (size_t)n, &s->err) < 0)
    {
      archive_set_error (inner, EIO, "%s", s->err->msg);
      return -1;
    }
  return n;
}

static void archive_freep (struct archive **a)
{
  if (*a != NULL)
    archive_read_free (*a);
  *a = NULL;
}
#define _cleanup_archive_ __attribute__ ((cleanup (archive_freep)))

static int check_media_type (const char *media_type, keel_error **err)
{
  struct image_layer_type t;
  if (media_type == NULL)
    return 0;
  return image_layer_media_type (media_type, &t, err);
}

/* The outer reader: gzip/zstd/none by content, the bytes handed out untouched. */
static int open_outer (int tarfd, struct archive **out, keel_error **err)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *e;

  if (a == NULL)
    return keel_err (err, ENOMEM, "libarchive");
  if (archive_read_support_filter_gzip (a) != ARCHIVE_OK || archive_read_support_filter_zstd (a) != ARCHIVE_OK
      || archive_read_support_format_raw (a) != ARCHIVE_OK || archive_read_open_fd (a, tarfd, 65536) != ARCHIVE_OK
      || archive_read_next_header (a, &e) != ARCHIVE_OK)
    {
      keel_err (err, archive_errno (a), "open layer: %s", archive_error_string (a));
      archive_read_free (a);
      return -1;
    }
  *out = a;
  return 0;
}

static int read_entries (struct applier *a, struct archive *inner, keel_error **err)
{
  struct archive_entry *e;
  int r;

  while ((r = archive_read_next_header (inner, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)
    if (apply_entry (a, inner, e, err) < 0)
      return -1;
  if (r != ARCHIVE_EOF)
    return keel_err (err, archive_errno (inner), "read tar: %s", archive_error_string (inner));
  return 0;
}

/* Read what follows the tar's end marker too: the diff_id covers every byte. */
static int drain (struct tar_stream *s, keel_error **err)
{
  const void *buf;
  for (;;)
    {
      la_ssize_t n = tar_stream_read (s->outer, s, &buf);
      if (n == 0)
        return 0;
      if (n < 0)
        return s->err != NULL ? (keel_error_move (err, &s->err), -1)
                              : keel_err (err, 0, "read layer: %s", archive_error_string (s->outer));
    }
}

static int verify_diff_id (const struct layer_options *o, struct tar_stream *s, keel_error **err)
{
  _cleanup_free_ char *got = NULL;
  struct digest want, have;

  if (s->hasher == NULL)
    return 0;
  if (digest_hasher_finish (s->hasher, &got, err) < 0 || digest_parse (o->diff_id, &want, err) < 0
      || digest_parse (got, &have, err) < 0)
    return -1;
  if (!digest_equal (&want, &have))
    return keel_err (err, 0, "diff_id mismatch: expected %s, got %s", o->diff_id, got);
  return 0;
}

static void applier_clear (struct applier *a)
{
  path_set_clear (&a->created);
  path_set_clear (&a->ancestors);
  for (size_t i = 0; i < a->n_dir_times; i++)
    free (a->dir_times[i].path);
  free (a->dir_times);
}

static int run_layer (struct applier *a, struct tar_stream *s, keel_error **err)
{
  _cleanup_archive_ struct archive *inner = archive_read_new ();

  if (inner == NULL)
    return keel_err (err, ENOMEM, "libarchive");
  /* tar only (ustar, pax, GNU): layer.md "MUST be packaged in tar archive" */
  if (archive_read_support_format_tar (inner) != ARCHIVE_OK
      || archive_read_open (inner, s, NULL, tar_stream_read, NULL) != ARCHIVE_OK)
    {
      if (s->err != NULL)
        return keel_error_move (err, &s->err), -1;
      return keel_err (err, archive_errno (inner), "read tar: %s", archive_error_string (inner));
    }
  if (read_entries (a, inner, err) < 0)
    {
      if (s->err != NULL)
        keel_error_move (err, &s->err);
      return -1;
    }
  if (drain (s, err) < 0 || apply_dir_times (a, err) < 0)
    return -1;
  return verify_diff_id (a->o, s, err);
}

int layer_apply (int rootfd, int tarfd, const struct layer_options *o, uint64_t *consumed, keel_error **err)
{
  _cleanup_archive_ struct archive *outer = NULL;
  _cleanup_digest_hasher_ struct digest_hasher *hasher = NULL;
  _cleanup_free_ struct tar_stream *s = NULL;
  struct applier a = { .rootfd = rootfd, .o = o };
  uint64_t local = 0;
  struct digest want;
  int r;

  if (check_media_type (o->media_type, err) < 0)
    return -1;
  if (o->diff_id != NULL)
    {
      if (digest_parse (o->diff_id, &want, err) < 0)
        return keel_err_prefix (err, "diff_id");
      if ((hasher = digest_hasher_new (want.algorithm, err)) == NULL)
        return -1;
    }
  if (open_outer (tarfd, &outer, err) < 0)
    return -1;
  s = calloc (1, sizeof (*s) + 65536); /* the read buffer follows the struct */
  if (s == NULL)
    return keel_err (err, ENOMEM, "layer");
  *s = (struct tar_stream){ .outer = outer, .hasher = hasher, .consumed = consumed ? consumed : &local };
  s->limit = o->max_size ? o->max_size : LAYER_DEFAULT_MAX_SIZE;
  a.max_entry = o->max_entry_size ? o->max_entry_size : s->limit;
  r = run_layer (&a, s, err);
  keel_error_free (s->err);
  applier_clear (&a);
  return r;
}

int layer_apply_file (int rootfd, const char *path, const struct layer_options *o, uint64_t *consumed, keel_error **err)
{
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return keel_err_errno (err, "open layer `%s`", path);
  if (layer_apply (rootfd, fd, o, consumed, err) < 0)
    return keel_err_prefix (err, "layer `%s`", path);
  return 0;
}
