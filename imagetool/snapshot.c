/* The snapshot cache under STORE/.keel/snapshots: one extracted tree per layer chain, made once, copied into bundles.
 */
#include "config.h"
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"
#include "fsutil.h"
#include "image.h"
#include "json.h"
#include "store.h"

/* Layout: snapshots/<hex>/{rootfs/,snapshot.json} where <hex> is the sha256 of the snapshot's identity
 * text (chain ID plus the options that change the extracted tree). A tree is built in snapshots/tmp-XXXXXX
 * and renamed into place once complete, so a half-made one never has a name that is looked up; fsck sets
 * bad ones aside as bad-<hex>-XXXXXX. gc removes both kinds. */
#define SNAPSHOTS ".keel/snapshots"
#define META "snapshot.json"

/* ---- identity ---- */

/* image-spec config.md "Layer ChainID": ChainID(L0) = DiffID(L0),
 * ChainID(L0|...|Ln) = Digest(ChainID(L0|...|Ln-1) + " " + DiffID(Ln)). */
static int chain_id (char *const *diff_ids, size_t n, char **out, keel_error **err)
{
  _cleanup_free_ char *id = strdup (diff_ids[0]);

  if (id == NULL)
    return keel_err (err, ENOMEM, "chain ID");
  for (size_t i = 1; i < n; i++)
    {
      _cleanup_free_ char *text = NULL;
      if (asprintf (&text, "%s %s", id, diff_ids[i]) < 0)
        return keel_err (err, ENOMEM, "chain ID");
      free (id);
      id = NULL;
      if (digest_compute (DIGEST_SHA256, text, strlen (text), &id, err) < 0)
        return -1;
    }
  *out = keel_steal_ptr (id);
  return 0;
}

static char *format_map (const struct layer_id_map *m, size_t n)
{
  char *s = strdup ("");
  for (size_t i = 0; s != NULL && i < n; i++)
    {
      char *t;
      if (asprintf (&t, "%s%s%" PRIu32 ":%" PRIu32 ":%" PRIu32, s, i ? "," : "", m[i].container_id, m[i].host_id,
                    m[i].size)
          < 0)
        t = NULL;
      free (s);
      s = t;
    }
  return s;
}

/* What makes two extracted trees of the same chain differ: the rootless rules, the id maps, and, when
 * files stay the caller's, the caller. */
static int identity (const char *chain, const struct layer_options *lo, char **out, keel_error **err)
{
  _cleanup_free_ char *u = format_map (lo->uid_map, lo->uid_map_len);
  _cleanup_free_ char *g = format_map (lo->gid_map, lo->gid_map_len);

  if (u == NULL || g == NULL
      || asprintf (out, "keel snapshot 1\nchain %s\nrootless %d\nuid-map %s\ngid-map %s\ncaller %u:%u\n", chain,
                   (int)lo->rootless, u, g, (unsigned)geteuid (), (unsigned)getegid ())
             < 0)
    return keel_err (err, ENOMEM, "snapshot");
  return 0;
}

/* The directory name of IDENTITY: the hex part of its sha256. */
static int identity_key (const char *ident, char **out, keel_error **err)
{
  _cleanup_free_ char *d = NULL;
  if (digest_compute (DIGEST_SHA256, ident, strlen (ident), &d, err) < 0)
    return -1;
  if ((*out = strdup (d + strlen ("sha256:"))) == NULL)
    return keel_err (err, ENOMEM, "snapshot");
  return 0;
}

/* ---- snapshot.json ---- */

struct meta
{
  char *identity;
  uint64_t consumed; /* decompressed layer bytes the tree was made from (for --max-size) */
  uint64_t entries;
  char *shape, *content; /* tree_sum_hex of the metadata and of metadata + data */
  char *boot_id;         /* the boot during which the content was last known good */
};

static void meta_clear (struct meta *m)
{
  free (m->identity);
  free (m->shape);
  free (m->content);
  free (m->boot_id);
  memset (m, 0, sizeof (*m));
}

static char *current_boot_id (void)
{
  char *b = NULL;
  size_t len;
  keel_error *ignored = NULL;
  if (read_file ("/proc/sys/kernel/random/boot_id", &b, &len, &ignored) < 0)
    {
      keel_error_free (ignored);
      return strdup ("unknown");
    }
  b[strcspn (b, "\n")] = '\0';
  return b;
}

static int meta_read (int dirfd, struct meta *m, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  __attribute__ ((cleanup (json_tree_freep))) yajl_val v = NULL;
  json_ctx c = { META, err };
  size_t len;

  memset (m, 0, sizeof (*m));
  if (read_file_at (dirfd, META, &buf, &len, err) < 0 || json_parse (META, buf, len, &v, err) < 0
      || json_expect_object (&c, v, "") < 0)
    return -1;
  if (json_get_string (&c, v, "", "identity", &m->identity) != 1
      || json_get_uint64 (&c, v, "", "consumed", &m->consumed) != 1
      || json_get_uint64 (&c, v, "", "entries", &m->entries) != 1
      || json_get_string (&c, v, "", "shape", &m->shape) != 1
      || json_get_string (&c, v, "", "content", &m->content) != 1
      || json_get_string (&c, v, "", "bootId", &m->boot_id) != 1)
    {
      meta_clear (m);
      return *err ? -1 : keel_err (err, 0, "%s: a member is missing", META);
    }
  return 0;
}

static int meta_write (const char *dir, const struct meta *m, keel_error **err)
{
  __attribute__ ((cleanup (json_gen_freep))) yajl_gen g = json_gen_new (true);
  _cleanup_free_ char *json = NULL, *path = NULL;
  size_t len;

  if (g == NULL || asprintf (&path, "%s/%s", dir, META) < 0)
    return keel_err (err, ENOMEM, "snapshot");
  yajl_gen_map_open (g);
  json_gen_kv_str (g, "identity", m->identity);
  json_gen_kv_uint (g, "consumed", m->consumed);
  json_gen_kv_uint (g, "entries", m->entries);
  json_gen_kv_str (g, "shape", m->shape);
  json_gen_kv_str (g, "content", m->content);
  json_gen_kv_str (g, "bootId", m->boot_id);
  yajl_gen_map_close (g);
  if (json_gen_take (g, &json, &len, err) < 0)
    return -1;
  return write_file_atomic (path, json, len, 0644, 1, err);
}

/* ---- one snapshot on disk ---- */

struct snap
{
  char *dir; /* STORE/.keel/snapshots/<hex> */
  int rootfd;
  struct meta meta;
};

static void snap_clear (struct snap *sn)
{
  free (sn->dir);
  if (sn->rootfd >= 0)
    close (sn->rootfd);
  meta_clear (&sn->meta);
  sn->dir = NULL;
  sn->rootfd = -1;
}

static char *snapshots_dir (struct store *s)
{
  char *p;
  return asprintf (&p, "%s/%s", store_dir (s), SNAPSHOTS) < 0 ? NULL : p;
}

static int open_tree (const char *dir, const char *name)
{
  _cleanup_close_ int d = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd;
  if (d < 0)
    return -1;
  fd = openat (d, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC);
  if (fd < 0 && errno == EPERM)
    fd = openat (d, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd;
}

/* Move DIR out of the way (renamed first, so no one looks it up again) and remove it. */
static void discard (const char *dir)
{
  _cleanup_free_ char *away = NULL;
  keel_error *ignored = NULL;
  if (asprintf (&away, "%s.bad-XXXXXX", dir) < 0 || mkdtemp (away) == NULL || rename (dir, away) < 0)
    {
      if (away != NULL)
        rmdir (away);
      layer_remove_tree (AT_FDCWD, dir, &ignored);
    }
  else
    layer_remove_tree (AT_FDCWD, away, &ignored);
  keel_error_free (ignored);
}

/* The snapshot for IDENT: 1 with *SN filled when it exists, 0 when it does not. One that is not what
 * its name says (snapshot.json unreadable, another identity) is discarded and counts as absent. */
static int snap_open (struct store *s, const char *ident, const log_options *log, struct snap *sn, keel_error **err)
{
  _cleanup_free_ char *key = NULL, *base = snapshots_dir (s);
  _cleanup_close_ int dirfd = -1;
  keel_error *bad = NULL;

  sn->rootfd = -1;
  if (base == NULL)
    return keel_err (err, ENOMEM, "snapshot");
  if (identity_key (ident, &key, err) < 0)
    return -1;
  if (asprintf (&sn->dir, "%s/%s", base, key) < 0)
    return sn->dir = NULL, keel_err (err, ENOMEM, "snapshot");
  if ((dirfd = open (sn->dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    return errno == ENOENT ? 0 : keel_err_errno (err, "open snapshot `%s`", sn->dir);
  if (meta_read (dirfd, &sn->meta, &bad) == 0 && strcmp (sn->meta.identity, ident) == 0
      && (sn->rootfd = open_tree (sn->dir, "rootfs")) >= 0)
    return 1;
  log_msg (log, LOG_LEVEL_WARNING, "snapshot `%s` is unusable (%s); discarded", sn->dir,
           bad ? bad->msg : "not what its name says or no rootfs");
  keel_error_free (bad);
  discard (sn->dir);
  meta_clear (&sn->meta);
  return 0;
}

/* ---- making one ---- */

struct build
{
  const struct snapshot_request *req;
  char **idents; /* idents[k]: the chain of layers 0..k */
};

static int apply_from (const struct build *b, int rootfd, size_t first, uint64_t *consumed, keel_error **err)
{
  struct layer_options o = *b->req->lo;
  for (size_t i = first; i < b->req->n; i++)
    {
      o.media_type = b->req->layers[i].media_type;
      o.diff_id = b->req->layers[i].diff_id;
      if (layer_apply_file (rootfd, b->req->layers[i].path, &o, consumed, err) < 0)
        return keel_err_prefix (err, "layer %zu", i + 1);
    }
  return 0;
}

static bool chown_needed (const struct layer_options *lo)
{
  /* layer_apply leaves everything the caller's in this case (owners in an xattr) */
  return !(lo->rootless && lo->uid_map_len == 0 && lo->gid_map_len == 0);
}

/* Copy SN into DSTFD, checking its metadata digest on the way: 1 when it matched, 0 when the snapshot
 * changed since it was made (DSTFD emptied again, the snapshot discarded). */
static int compose (const struct build *b, struct snap *sn, enum snapshot_mode mode, int dstfd, keel_error **err)
{
  struct tree_sum shape;
  char hex[65];

  if (tree_copy (sn->rootfd, dstfd, mode, chown_needed (b->req->lo), b->req->lo->rootless, b->req->lo->log, &shape, err)
      < 0)
    return keel_err_prefix (err, "from snapshot `%s`", sn->dir);
  tree_sum_hex (&shape, hex);
  if (strcmp (hex, sn->meta.shape) == 0 && shape.entries == sn->meta.entries)
    return 1;
  log_msg (b->req->lo->log, LOG_LEVEL_WARNING,
           "snapshot `%s` changed since it was made (a file modified through a hard link?); discarded and made "
           "again",
           sn->dir);
  discard (sn->dir);
  return tree_empty (dstfd, err) < 0 ? -1 : 0;
}

/* The longest chain below the top with a snapshot, copied into ROOTFD: the layers to apply start at *FIRST. */
static int start_from_prefix (const struct build *b, int rootfd, size_t *first, uint64_t *consumed, keel_error **err)
{
  *first = 0;
  *consumed = 0;
  for (size_t k = b->req->n - 1; k-- > 0;)
    {
      struct snap sn = { 0 };
      int r = snap_open (b->req->s, b->idents[k], b->req->lo->log, &sn, err);
      /* never hard links: the layers above are about to change this copy */
      if (r > 0)
        r = compose (b, &sn, b->req->mode == SNAPSHOT_COPY ? SNAPSHOT_COPY : SNAPSHOT_AUTO, rootfd, err);
      if (r > 0)
        {
          *first = k + 1;
          *consumed = sn.meta.consumed;
          log_msg (b->req->lo->log, LOG_LEVEL_DEBUG, "snapshot: layers 1-%zu copied from `%s`", k + 1, sn.dir);
        }
      snap_clear (&sn);
      if (r != 0)
        return r < 0 ? -1 : 0;
    }
  return 0;
}

/* TMP/rootfs made as bundle_create makes a rootfs, then filled from a prefix and the remaining layers. */
static int fill_new (const struct build *b, const char *tmp, uint64_t *consumed, struct meta *m, keel_error **err)
{
  _cleanup_close_ int rootfd = -1;
  _cleanup_free_ char *rootfs = NULL;
  struct tree_sum shape, content;
  char hex[65];
  size_t first;

  if (asprintf (&rootfs, "%s/rootfs", tmp) < 0)
    return keel_err (err, ENOMEM, "snapshot");
  if (mkdir (rootfs, 0755) < 0 || (rootfd = open_tree (tmp, "rootfs")) < 0)
    return keel_err_errno (err, "create `%s`", rootfs);
  if (start_from_prefix (b, rootfd, &first, consumed, err) < 0 || apply_from (b, rootfd, first, consumed, err) < 0)
    return -1;
  if (tree_digest (rootfd, &shape, &content, err) < 0)
    return keel_err_prefix (err, "digest of the new snapshot");
  m->consumed = *consumed;
  m->entries = shape.entries;
  tree_sum_hex (&shape, hex);
  m->shape = strdup (hex);
  tree_sum_hex (&content, hex);
  m->content = strdup (hex);
  m->boot_id = current_boot_id ();
  if (m->shape == NULL || m->content == NULL || m->boot_id == NULL)
    return keel_err (err, ENOMEM, "snapshot");
  return 0;
}

/* Extract the whole chain into snapshots/tmp-XXXXXX and rename it to its name. */
static int snap_build (const struct build *b, keel_error **err)
{
  _cleanup_free_ char *base = snapshots_dir (b->req->s), *tmp = NULL, *key = NULL, *dest = NULL;
  struct meta m = { 0 };
  uint64_t consumed;
  int r = -1;

  if (base == NULL || asprintf (&tmp, "%s/tmp-XXXXXX", base) < 0)
    return keel_err (err, ENOMEM, "snapshot");
  if (mkdir_p (base, 0700, err) < 0)
    return -1;
  if (mkdtemp (tmp) == NULL)
    return keel_err_errno (err, "create `%s`", tmp);
  if (identity_key (b->idents[b->req->n - 1], &key, err) < 0)
    goto out;
  if (asprintf (&dest, "%s/%s", base, key) < 0 || (m.identity = strdup (b->idents[b->req->n - 1])) == NULL)
    {
      dest = NULL;
      keel_err (err, ENOMEM, "snapshot");
      goto out;
    }
  log_msg (b->req->lo->log, LOG_LEVEL_DEBUG, "snapshot: making `%s`", dest);
  if (fill_new (b, tmp, &consumed, &m, err) < 0 || meta_write (tmp, &m, err) < 0)
    goto out;
  /* another unpack may have made it meanwhile: theirs is as good */
  if (rename (tmp, dest) < 0 && errno != ENOTEMPTY && errno != EEXIST)
    {
      keel_err_errno (err, "rename `%s` to `%s`", tmp, dest);
      goto out;
    }
  r = 0;
out:
  {
    keel_error *ignored = NULL;
    layer_remove_tree (AT_FDCWD, tmp, &ignored); /* absent after a successful rename */
    keel_error_free (ignored);
  }
  meta_clear (&m);
  return r < 0 ? keel_err_prefix (err, "make snapshot") : 0;
}

/* A snapshot made before the last reboot may have lost data that was never written back: its content is
 * checked once against the recorded digest, and the boot recorded as good. */
static int check_after_reboot (struct snap *sn, keel_error **err)
{
  _cleanup_free_ char *boot = current_boot_id ();
  struct tree_sum shape, content;
  char hex[65];

  if (boot == NULL)
    return keel_err (err, ENOMEM, "snapshot");
  if (strcmp (boot, sn->meta.boot_id) == 0)
    return 1;
  if (tree_digest (sn->rootfd, &shape, &content, err) < 0)
    return -1;
  tree_sum_hex (&content, hex);
  if (strcmp (hex, sn->meta.content) != 0)
    return 0;
  free (sn->meta.boot_id);
  sn->meta.boot_id = keel_steal_ptr (boot);
  return meta_write (sn->dir, &sn->meta, err) < 0 ? -1 : 1;
}

/* 1 when the top snapshot is there, fits LO's bounds, and was copied into ROOTFD; 0 when it has to be made. */
static int use_top (const struct build *b, int rootfd, keel_error **err)
{
  struct snap sn = { 0 };
  uint64_t limit = b->req->lo->max_size ? b->req->lo->max_size : LAYER_DEFAULT_MAX_SIZE;
  int r = snap_open (b->req->s, b->idents[b->req->n - 1], b->req->lo->log, &sn, err);

  /* the bound a fresh unpack would have hit while applying the layers */
  if (r > 0 && sn.meta.consumed > limit)
    r = keel_err (err, EFBIG, "the layers' decompressed size %" PRIu64 " exceeds the limit of %" PRIu64 " bytes",
                  sn.meta.consumed, limit);
  if (r > 0 && (r = check_after_reboot (&sn, err)) == 0)
    {
      log_msg (b->req->lo->log, LOG_LEVEL_WARNING, "snapshot `%s` lost data in a crash; discarded", sn.dir);
      discard (sn.dir);
    }
  if (r > 0 && (r = compose (b, &sn, b->req->mode, rootfd, err)) > 0)
    log_msg (b->req->lo->log, LOG_LEVEL_DEBUG, "snapshot: rootfs composed from `%s` (%s)", sn.dir,
             snapshot_mode_name (b->req->mode));
  snap_clear (&sn);
  return r;
}

static int make_idents (const struct bundle_layer *layers, size_t n, const struct layer_options *lo, char ***out,
                        keel_error **err)
{
  _cleanup_free_ char **diff_ids = calloc (n + 1, sizeof (char *));
  char **idents = calloc (n + 1, sizeof (char *));

  if (diff_ids == NULL || idents == NULL)
    {
      free (idents);
      return keel_err (err, ENOMEM, "snapshot");
    }
  *out = idents;
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *chain = NULL;
      if (layers[i].diff_id == NULL)
        return keel_err (err, 0, "layer %zu has no diff_id: no chain ID to name a snapshot by", i + 1);
      diff_ids[i] = (char *)layers[i].diff_id;
      if (chain_id (diff_ids, i + 1, &chain, err) < 0 || identity (chain, lo, &idents[i], err) < 0)
        return -1;
    }
  return 0;
}

int snapshot_fill_rootfs (void *request, int rootfd, keel_error **err)
{
  const struct snapshot_request *req = request;
  _cleanup_strv_ char **idents = NULL;
  struct build b = { .req = req };
  int r;

  if (req->n == 0)
    return 0; /* nothing to extract, nothing to keep */
  if (req->lo->max_entry_size != 0)
    {
      /* a bound on single entries cannot be checked against a tree: the layers are applied as without cache */
      uint64_t consumed = 0;
      return apply_from (&b, rootfd, 0, &consumed, err);
    }
  if (make_idents (req->layers, req->n, req->lo, &idents, err) < 0)
    return -1;
  b.idents = idents;
  if ((r = use_top (&b, rootfd, err)) != 0)
    return r < 0 ? -1 : 0;
  if (snap_build (&b, err) < 0)
    return -1;
  if ((r = use_top (&b, rootfd, err)) == 0)
    return keel_err (err, 0, "the snapshot just made is not usable");
  return r < 0 ? -1 : 0;
}

/* ---- gc and fsck ---- */

static int strv_push (char ***v, size_t *n, char *s)
{
  char **nv = realloc (*v, (*n + 2) * sizeof (char *));
  if (nv == NULL)
    {
      free (s);
      return -1;
    }
  nv[(*n)++] = s;
  nv[*n] = NULL;
  *v = nv;
  return 0;
}

/* Every chain ID an image reachable from DESC has (an index: all of its manifests). Unreadable blobs are
 * skipped: fsck reports them, and gc must not fail on them. */
static int reachable_chains (struct store *s, const struct image_descriptor *desc, char ***out, size_t *n, int depth)
{
  _cleanup_free_ char *buf = NULL, *cbuf = NULL, *chain = NULL;
  keel_error *e = NULL;
  size_t len;
  int r = 0;

  if (depth > 8 || store_read_blob (s, desc->digest, &buf, &len, &e) < 0)
    goto out;
  if (image_document_kind (desc->media_type, buf, len) == IMAGE_KIND_INDEX)
    {
      struct image_index *idx = NULL;
      if (image_index_parse (desc->digest, buf, len, &idx, &e) == 0)
        for (size_t i = 0; r == 0 && i < idx->n_manifests; i++)
          r = reachable_chains (s, &idx->manifests[i], out, n, depth + 1);
      image_index_free (idx);
      goto out;
    }
  struct image_manifest *m = NULL;
  struct image_config *c = NULL;
  if (image_manifest_parse (desc->digest, buf, len, &m, &e) == 0
      && store_read_blob (s, m->config.digest, &cbuf, &len, &e) == 0
      && image_config_parse (m->config.digest, cbuf, len, &c, &e) == 0 && c->n_diff_ids > 0
      && chain_id (c->diff_ids, c->n_diff_ids, &chain, &e) == 0)
    r = strv_push (out, n, keel_steal_ptr (chain));
  image_manifest_free (m);
  image_config_free (c);
out:
  keel_error_free (e);
  return r;
}

static bool in_strv (char **v, const char *s)
{
  for (; v && *v; v++)
    if (strcmp (*v, s) == 0)
      return true;
  return false;
}

/* The chain named in a snapshot's identity text, or NULL. */
static char *identity_chain (const char *ident)
{
  const char *p = strstr (ident, "\nchain ");
  return p == NULL ? NULL : strndup (p + 7, strcspn (p + 7, "\n"));
}

static bool snapshot_in_use (const char *base, const char *name, char **chains)
{
  _cleanup_free_ char *dir = NULL, *chain = NULL, *key = NULL;
  _cleanup_close_ int fd = -1;
  keel_error *e = NULL;
  struct meta m;
  bool used = false;

  if (strncmp (name, "tmp-", 4) == 0 || strchr (name, '.') != NULL || asprintf (&dir, "%s/%s", base, name) < 0
      || (fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    return false;
  if (meta_read (fd, &m, &e) == 0)
    {
      chain = identity_chain (m.identity);
      used = chain != NULL && in_strv (chains, chain) && identity_key (m.identity, &key, &e) == 0
             && strcmp (key, name) == 0;
      meta_clear (&m);
    }
  keel_error_free (e);
  return used;
}

static int lock_gc (struct store *s, keel_error **err)
{
  _cleanup_free_ char *p = NULL;
  _cleanup_close_ int fd = -1;

  if (asprintf (&p, "%s/.keel/gc.lock", store_dir (s)) < 0)
    return keel_err (err, ENOMEM, "store lock");
  if ((fd = open (p, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
    return keel_err_errno (err, "open `%s`", p);
  while (flock (fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return keel_err_errno (err, "lock `%s`", p);
  return keel_steal_fd (fd);
}

static int all_chains (struct store *s, char ***out, keel_error **err)
{
  struct image_index *idx = NULL;
  size_t n = 0;
  int r = 0;

  *out = calloc (1, sizeof (char *));
  if (*out == NULL)
    return keel_err (err, ENOMEM, "gc");
  if (store_load_index (s, &idx, err) < 0)
    return -1;
  for (size_t i = 0; r == 0 && i < idx->n_manifests; i++)
    r = reachable_chains (s, &idx->manifests[i], out, &n, 0);
  image_index_free (idx);
  return r < 0 ? keel_err (err, ENOMEM, "gc") : 0;
}

int snapshot_gc (struct store *s, size_t *removed, keel_error **err)
{
  _cleanup_close_ int lock = lock_gc (s, err);
  _cleanup_free_ char *base = snapshots_dir (s);
  _cleanup_strv_ char **chains = NULL;
  DIR *d;
  struct dirent *e;

  *removed = 0;
  if (lock < 0 || base == NULL || all_chains (s, &chains, err) < 0)
    return lock < 0 || base != NULL ? -1 : keel_err (err, ENOMEM, "gc");
  if ((d = opendir (base)) == NULL)
    return errno == ENOENT ? 0 : keel_err_errno (err, "open `%s`", base);
  while ((e = readdir (d)) != NULL)
    {
      _cleanup_free_ char *dir = NULL;
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0 || snapshot_in_use (base, e->d_name, chains))
        continue;
      if (asprintf (&dir, "%s/%s", base, e->d_name) < 0)
        break;
      if (layer_remove_tree (AT_FDCWD, dir, err) < 0)
        {
          closedir (d);
          return -1;
        }
      (*removed)++;
    }
  closedir (d);
  return 0;
}

/* fsck of one snapshot: NULL when it is what snapshot.json says, else the problem (malloc'd). */
static char *check_one (const char *dir, const char *name)
{
  _cleanup_close_ int fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC), rootfd = -1;
  _cleanup_free_ char *key = NULL;
  keel_error *e = NULL;
  struct tree_sum shape, content;
  struct meta m = { 0 };
  char hex[65], *msg = NULL;

  if (fd < 0 || meta_read (fd, &m, &e) < 0 || identity_key (m.identity, &key, &e) < 0)
    msg = e ? strdup (e->msg) : strdup (strerror (errno));
  else if (strcmp (key, name) != 0)
    msg = strdup ("snapshot.json belongs to another snapshot");
  else if ((rootfd = open_tree (dir, "rootfs")) < 0)
    msg = strdup ("no rootfs");
  else if (tree_digest (rootfd, &shape, &content, &e) < 0)
    msg = strdup (e->msg);
  else
    {
      tree_sum_hex (&content, hex);
      if (strcmp (hex, m.content) != 0)
        msg = strdup ("its files differ from what it was made with (content digest mismatch)");
    }
  keel_error_free (e);
  meta_clear (&m);
  return msg;
}

int snapshot_fsck (struct store *s, char ***problems, keel_error **err)
{
  _cleanup_free_ char *base = snapshots_dir (s);
  size_t n = 0, added = 0;
  DIR *d;
  struct dirent *e;

  while (*problems != NULL && (*problems)[n] != NULL)
    n++;
  if (base == NULL)
    return keel_err (err, ENOMEM, "fsck");
  if ((d = opendir (base)) == NULL)
    return errno == ENOENT ? 0 : keel_err_errno (err, "open `%s`", base);
  while ((e = readdir (d)) != NULL)
    {
      _cleanup_free_ char *dir = NULL, *msg = NULL, *line = NULL;
      /* tmp-*: being made, or left by a crash (gc's); *.bad-*: already set aside */
      if (e->d_name[0] == '.' || strncmp (e->d_name, "tmp-", 4) == 0 || strchr (e->d_name, '.') != NULL)
        continue;
      if (asprintf (&dir, "%s/%s", base, e->d_name) < 0)
        goto nomem;
      if ((msg = check_one (dir, e->d_name)) == NULL)
        continue;
      if (asprintf (&line, "snapshot %s: %s; removed (the next --snapshot unpack makes it again)", e->d_name, msg) < 0)
        goto nomem;
      discard (dir);
      if (strv_push (problems, &n, keel_steal_ptr (line)) < 0)
        goto nomem;
      added++;
    }
  closedir (d);
  return (int)added;
nomem:
  closedir (d);
  return keel_err (err, ENOMEM, "fsck");
}
