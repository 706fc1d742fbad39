/* The image store: an OCI image layout written atomically (temp file + fsync + rename) under flock locks. */
#include "config.h"
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"
#include "fsutil.h"

struct store
{
  char *dir;
  int gc_lock; /* DIR/.keel/gc.lock, held shared by writers */
};

struct store_writer
{
  struct store *store;
  char *digest;
  char *tmp_path;
  int fd; /* the partial file, flock'ed exclusively */
  int64_t size;
  struct digest_verifier *verifier;
};

char *store_default_dir (void)
{
  const char *xdg = getenv ("XDG_DATA_HOME"), *home = getenv ("HOME");
  char *s = NULL;

  if (geteuid () == 0)
    return strdup ("/var/lib/keel/images");
  if (xdg != NULL && xdg[0] == '/')
    return asprintf (&s, "%s/keel/images", xdg) < 0 ? NULL : s;
  return asprintf (&s, "%s/.local/share/keel/images", home ? home : "") < 0 ? NULL : s;
}

const char *store_dir (const struct store *s)
{
  return s->dir;
}

static char *store_path (const struct store *s, const char *rel)
{
  char *p;
  return asprintf (&p, "%s/%s", s->dir, rel) < 0 ? NULL : p;
}

/* Open (creating) a lock file under .keel and flock it with OP. */
static int lock_file (struct store *s, const char *name, int op, keel_error **err)
{
  _cleanup_free_ char *p = store_path (s, name);
  _cleanup_close_ int fd = -1;

  if (p == NULL)
    return keel_err (err, ENOMEM, "store lock");
  fd = open (p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return keel_err_errno (err, "open `%s`", p);
  while (flock (fd, op) < 0)
    if (errno != EINTR)
      return keel_err_errno (err, "lock `%s`", p);
  return keel_steal_fd (fd);
}

/* The layout's fixed files, written once. */
static int init_layout (struct store *s, keel_error **err)
{
  static const char *const dirs[] = { "blobs/sha256", ".keel/tmp" };
  _cleanup_free_ char *layout = store_path (s, "oci-layout"), *index = store_path (s, "index.json");

  if (layout == NULL || index == NULL)
    return keel_err (err, ENOMEM, "store");
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
    {
      _cleanup_free_ char *d = store_path (s, dirs[i]);
      if (d == NULL || mkdir_p (d, 0755, err) < 0)
        return d == NULL ? keel_err (err, ENOMEM, "store") : -1;
    }
  /* image-layout.md: oci-layout MUST exist and index.json MUST exist */
  if (access (layout, F_OK) < 0
      && write_file_atomic (layout, IMAGE_LAYOUT_OCI_LAYOUT_JSON, strlen (IMAGE_LAYOUT_OCI_LAYOUT_JSON), 0644, 1, err)
             < 0)
    return -1;
  if (access (index, F_OK) < 0)
    {
      static const char empty[] = "{\"schemaVersion\":2,\"mediaType\":\"" IMAGE_MT_OCI_INDEX "\",\"manifests\":[]}";
      _cleanup_close_ int lk = lock_file (s, ".keel/index.lock", LOCK_EX, err);
      if (lk < 0)
        return -1;
      if (access (index, F_OK) < 0 && write_file_atomic (index, empty, strlen (empty), 0644, 1, err) < 0)
        return -1;
    }
  return 0;
}

static int check_layout (struct store *s, keel_error **err)
{
  _cleanup_free_ char *layout = store_path (s, "oci-layout"), *buf = NULL;
  size_t len;

  if (layout == NULL)
    return keel_err (err, ENOMEM, "store");
  if (read_file (layout, &buf, &len, err) < 0)
    return -1;
  return image_layout_check (layout, buf, len, err);
}

int store_open (const char *dir, bool writer, struct store **out, keel_error **err)
{
  struct store *s = calloc (1, sizeof *s);

  if (s == NULL)
    return keel_err (err, ENOMEM, "store");
  s->gc_lock = -1;
  s->dir = dir[0] == '/' ? strdup (dir) : realpath (".", NULL);
  if (s->dir != NULL && dir[0] != '/')
    {
      char *abs = NULL;
      if (asprintf (&abs, "%s/%s", s->dir, dir) < 0)
        abs = NULL;
      free (s->dir);
      s->dir = abs;
    }
  if (s->dir == NULL)
    {
      store_close (s);
      return keel_err (err, ENOMEM, "store");
    }
  if (mkdir_p (s->dir, 0755, err) < 0 || init_layout (s, err) < 0 || check_layout (s, err) < 0)
    goto fail;
  if (writer && (s->gc_lock = lock_file (s, ".keel/gc.lock", LOCK_SH, err)) < 0)
    goto fail;
  *out = s;
  return 0;
fail:
  keel_err_prefix (err, "store `%s`", s->dir);
  store_close (s);
  return -1;
}

void store_close (struct store *s)
{
  if (s == NULL)
    return;
  if (s->gc_lock >= 0)
    close (s->gc_lock);
  free (s->dir);
  free (s);
}

void store_closep (struct store **s)
{
  store_close (*s);
  *s = NULL;
}

int store_blob_path (struct store *s, const char *digest, char **out, keel_error **err)
{
  _cleanup_free_ char *rel = NULL;

  if (image_layout_blob_path (digest, &rel, err) < 0)
    return -1;
  *out = store_path (s, rel);
  return *out == NULL ? keel_err (err, ENOMEM, "store") : 0;
}

bool store_has_blob (struct store *s, const char *digest, int64_t size)
{
  _cleanup_free_ char *p = NULL;
  keel_error *err = NULL;
  struct stat st;

  if (store_blob_path (s, digest, &p, &err) < 0)
    {
      keel_error_free (err);
      return false;
    }
  return stat (p, &st) == 0 && S_ISREG (st.st_mode) && (size < 0 || st.st_size == size);
}

int store_read_blob (struct store *s, const char *digest, char **buf, size_t *len, keel_error **err)
{
  _cleanup_free_ char *p = NULL, *data = NULL;
  _cleanup_digest_verifier_ struct digest_verifier *v = NULL;
  size_t n;

  if (store_blob_path (s, digest, &p, err) < 0 || read_file (p, &data, &n, err) < 0)
    return -1;
  v = digest_verifier_new (digest, err);
  if (v == NULL || digest_verifier_update (v, data, n, err) < 0 || digest_verifier_finish (v, NULL, err) < 0)
    return keel_err_prefix (err, "blob `%s`", p);
  *buf = keel_steal_ptr (data);
  if (len)
    *len = n;
  return 0;
}

/* ---- streaming writer ---- */

static void writer_free (struct store_writer *w)
{
  if (w == NULL)
    return;
  if (w->fd >= 0)
    close (w->fd);
  digest_verifier_free (w->verifier);
  free (w->digest);
  free (w->tmp_path);
  free (w);
}

/* Feed the bytes a killed run left behind to the verifier, so the download can resume after them. */
static int writer_load_partial (struct store_writer *w, keel_error **err)
{
  char buf[65536];
  ssize_t n;

  if (lseek (w->fd, 0, SEEK_SET) < 0)
    return keel_err_errno (err, "seek `%s`", w->tmp_path);
  while ((n = read (w->fd, buf, sizeof buf)) > 0)
    if (digest_verifier_update (w->verifier, buf, (size_t)n, NULL) < 0)
      return store_writer_restart (w, err); /* longer than the blob: start over */
  if (n < 0)
    return keel_err_errno (err, "read `%s`", w->tmp_path);
  return 0;
}

int store_writer_begin (struct store *s, const char *digest, int64_t size, struct store_writer **out, keel_error **err)
{
  struct store_writer *w;
  struct digest d;

  if (digest_parse (digest, &d, err) < 0)
    return -1;
  if (store_has_blob (s, digest, size))
    return STORE_BEGIN_PRESENT;
  w = calloc (1, sizeof *w);
  if (w == NULL)
    return keel_err (err, ENOMEM, "store");
  w->store = s;
  w->size = size;
  w->digest = strdup (digest);
  if (w->digest == NULL
      || asprintf (&w->tmp_path, "%s/.keel/tmp/%s-%s", s->dir, digest_algorithm_name (d.algorithm), d.hex) < 0)
    {
      w->tmp_path = NULL;
      writer_free (w);
      return keel_err (err, ENOMEM, "store");
    }
  w->fd = open (w->tmp_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (w->fd < 0)
    {
      keel_err_errno (err, "open `%s`", w->tmp_path);
      writer_free (w);
      return -1;
    }
  if (flock (w->fd, LOCK_EX | LOCK_NB) < 0)
    {
      int busy = errno == EWOULDBLOCK;
      if (!busy)
        keel_err_errno (err, "lock `%s`", w->tmp_path);
      writer_free (w);
      return busy ? STORE_BEGIN_BUSY : -1;
    }
  /* Another process may have finished the blob between our first look and the lock. */
  if (store_has_blob (s, digest, size))
    {
      unlink (w->tmp_path);
      writer_free (w);
      return STORE_BEGIN_PRESENT;
    }
  w->verifier = digest_verifier_new (digest, err);
  if (w->verifier == NULL)
    {
      writer_free (w);
      return -1;
    }
  if (size >= 0)
    digest_verifier_expect_size (w->verifier, (uint64_t)size);
  if (writer_load_partial (w, err) < 0)
    {
      writer_free (w);
      return -1;
    }
  *out = w;
  return STORE_BEGIN_WRITE;
}

uint64_t store_writer_offset (const struct store_writer *w)
{
  return digest_verifier_bytes (w->verifier);
}

int store_writer_write (struct store_writer *w, const void *buf, size_t len, keel_error **err)
{
  if (digest_verifier_update (w->verifier, buf, len, err) < 0)
    return keel_err_prefix (err, "blob %s", w->digest);
  if (write_all (w->fd, buf, len) < 0)
    return keel_err_errno (err, "write `%s`", w->tmp_path);
  return 0;
}

int store_writer_restart (struct store_writer *w, keel_error **err)
{
  struct digest_verifier *v = digest_verifier_new (w->digest, err);

  if (v == NULL)
    return -1;
  if (w->size >= 0)
    digest_verifier_expect_size (v, (uint64_t)w->size);
  digest_verifier_free (w->verifier);
  w->verifier = v;
  if (ftruncate (w->fd, 0) < 0 || lseek (w->fd, 0, SEEK_SET) < 0)
    return keel_err_errno (err, "truncate `%s`", w->tmp_path);
  return 0;
}

int store_writer_commit (struct store_writer *w, keel_error **err)
{
  _cleanup_free_ char *dest = NULL;
  int r = -1;

  if (digest_verifier_finish (w->verifier, NULL, err) < 0)
    {
      keel_err_prefix (err, "blob %s", w->digest);
      unlink (w->tmp_path);
      goto out;
    }
  if (fsync (w->fd) < 0)
    {
      keel_err_errno (err, "fsync `%s`", w->tmp_path);
      goto out;
    }
  if (store_blob_path (w->store, w->digest, &dest, err) < 0)
    goto out;
  /* Renamed while still locked, so a waiting writer finds the blob once it gets the lock. */
  if (rename (w->tmp_path, dest) < 0)
    {
      keel_err_errno (err, "rename `%s` to `%s`", w->tmp_path, dest);
      goto out;
    }
  r = 0;
out:
  writer_free (w);
  return r;
}

void store_writer_abort (struct store_writer *w, bool keep_partial)
{
  if (w == NULL)
    return;
  /* nothing to resume from an empty file */
  if (!keep_partial || store_writer_offset (w) == 0)
    unlink (w->tmp_path);
  writer_free (w);
}

int store_put_blob (struct store *s, const char *digest, const void *buf, size_t len, char **out_digest,
                    keel_error **err)
{
  _cleanup_free_ char *computed = NULL;
  struct store_writer *w = NULL;
  int r;

  if (digest == NULL)
    {
      if (digest_compute (DIGEST_SHA256, buf, len, &computed, err) < 0)
        return -1;
      digest = computed;
    }
  /* a busy writer is another process storing the same bytes: wait for it */
  while ((r = store_writer_begin (s, digest, (int64_t)len, &w, err)) == STORE_BEGIN_BUSY)
    usleep (50 * 1000);
  if (r < 0)
    return -1;
  if (r == STORE_BEGIN_WRITE
      && (store_writer_restart (w, err) < 0 || store_writer_write (w, buf, len, err) < 0
          || store_writer_commit (keel_steal_ptr (w), err) < 0))
    {
      store_writer_abort (w, false);
      return -1;
    }
  if (out_digest != NULL && (*out_digest = strdup (digest)) == NULL)
    return keel_err (err, ENOMEM, "store");
  return 0;
}

/* ---- index.json ---- */

int store_load_index (struct store *s, struct image_index **out, keel_error **err)
{
  _cleanup_free_ char *p = store_path (s, "index.json"), *buf = NULL;
  size_t len;

  if (p == NULL)
    return keel_err (err, ENOMEM, "store");
  if (read_file (p, &buf, &len, err) < 0)
    return -1;
  return image_index_parse (p, buf, len, out, err);
}

static int save_index (struct store *s, const struct image_index *idx, keel_error **err)
{
  _cleanup_free_ char *p = store_path (s, "index.json"), *json = NULL;
  size_t len;

  if (p == NULL)
    return keel_err (err, ENOMEM, "store");
  if (image_index_to_json (idx, &json, &len, err) < 0)
    return -1;
  return write_file_atomic (p, json, len, 0644, 1, err);
}

static ssize_t find_ref (const struct image_index *idx, const char *name)
{
  for (size_t i = 0; i < idx->n_manifests; i++)
    {
      const char *n = image_map_get (idx->manifests[i].annotations, IMAGE_ANNOTATION_REF_NAME);
      if (n != NULL && strcmp (n, name) == 0)
        return (ssize_t)i;
    }
  return -1;
}

int store_set_ref (struct store *s, const char *name, const struct image_descriptor *desc, keel_error **err)
{
  _cleanup_close_ int lk = lock_file (s, ".keel/index.lock", LOCK_EX, err);
  _cleanup_image_index_ struct image_index *idx = NULL;
  struct image_descriptor copy = { 0 };
  ssize_t i;

  if (lk < 0 || store_load_index (s, &idx, err) < 0)
    return -1;
  while ((i = find_ref (idx, name)) >= 0)
    image_index_remove (idx, (size_t)i);
  if (image_descriptor_copy (&copy, desc, err) < 0)
    return -1;
  if (image_map_set (&copy.annotations, IMAGE_ANNOTATION_REF_NAME, name, err) < 0
      || image_index_append (idx, &copy, err) < 0)
    {
      image_descriptor_clear (&copy);
      return -1;
    }
  return save_index (s, idx, err);
}

int store_find_ref (struct store *s, const char *name, struct image_descriptor *out, keel_error **err)
{
  _cleanup_image_index_ struct image_index *idx = NULL;
  ssize_t i;

  if (store_load_index (s, &idx, err) < 0)
    return -1;
  i = find_ref (idx, name);
  if (i < 0)
    return 0;
  return image_descriptor_copy (out, &idx->manifests[i], err) < 0 ? -1 : 1;
}

int store_remove_ref (struct store *s, const char *name, keel_error **err)
{
  _cleanup_close_ int lk = lock_file (s, ".keel/index.lock", LOCK_EX, err);
  _cleanup_image_index_ struct image_index *idx = NULL;
  ssize_t i;
  int removed = 0;

  if (lk < 0 || store_load_index (s, &idx, err) < 0)
    return -1;
  while ((i = find_ref (idx, name)) >= 0)
    {
      image_index_remove (idx, (size_t)i);
      removed = 1;
    }
  if (removed && save_index (s, idx, err) < 0)
    return -1;
  return removed;
}

/* ---- reachability, gc, fsck ---- */

struct strset
{
  char **v;
  size_t n, cap;
};

static bool strset_has (const struct strset *set, const char *s)
{
  for (size_t i = 0; i < set->n; i++)
    if (strcmp (set->v[i], s) == 0)
      return true;
  return false;
}

static int strset_add (struct strset *set, const char *s, keel_error **err)
{
  if (strset_has (set, s))
    return 0;
  if (set->n + 2 > set->cap)
    {
      size_t cap = set->cap ? set->cap * 2 : 16;
      char **v = realloc (set->v, cap * sizeof *v);
      if (v == NULL)
        return keel_err (err, ENOMEM, "store");
      set->v = v;
      set->cap = cap;
    }
  set->v[set->n] = strdup (s);
  if (set->v[set->n] == NULL)
    return keel_err (err, ENOMEM, "store");
  set->v[++set->n] = NULL;
  return 0;
}

static int walk (struct store *s, const struct image_descriptor *d, struct strset *set, keel_error **err);

/* Follow the children of an index or manifest blob (missing blobs end the walk there). */
static int walk_children (struct store *s, const struct image_descriptor *d, struct strset *set, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len;
  enum image_kind kind = image_media_type_kind (d->media_type);

  if (kind != IMAGE_KIND_INDEX && kind != IMAGE_KIND_MANIFEST)
    return 0;
  if (!store_has_blob (s, d->digest, -1))
    return 0;
  if (store_read_blob (s, d->digest, &buf, &len, err) < 0)
    return -1;
  if (kind == IMAGE_KIND_INDEX)
    {
      _cleanup_image_index_ struct image_index *idx = NULL;
      if (image_index_parse (d->digest, buf, len, &idx, err) < 0)
        return -1;
      for (size_t i = 0; i < idx->n_manifests; i++)
        if (walk (s, &idx->manifests[i], set, err) < 0)
          return -1;
      return 0;
    }
  _cleanup_image_manifest_ struct image_manifest *m = NULL;
  if (image_manifest_parse (d->digest, buf, len, &m, err) < 0)
    return -1;
  if (strset_add (set, m->config.digest, err) < 0)
    return -1;
  for (size_t i = 0; i < m->n_layers; i++)
    if (strset_add (set, m->layers[i].digest, err) < 0)
      return -1;
  return 0;
}

static int walk (struct store *s, const struct image_descriptor *d, struct strset *set, keel_error **err)
{
  if (strset_has (set, d->digest))
    return 0;
  if (strset_add (set, d->digest, err) < 0)
    return -1;
  return walk_children (s, d, set, err);
}

int store_reachable (struct store *s, char ***out, size_t *n, keel_error **err)
{
  _cleanup_image_index_ struct image_index *idx = NULL;
  struct strset set = { 0 };

  if (store_load_index (s, &idx, err) < 0)
    return -1;
  for (size_t i = 0; i < idx->n_manifests; i++)
    if (walk (s, &idx->manifests[i], &set, err) < 0)
      {
        keel_strv_freep (&set.v);
        return -1;
      }
  if (set.v == NULL && (set.v = calloc (1, sizeof (char *))) == NULL)
    return keel_err (err, ENOMEM, "store");
  *out = set.v;
  *n = set.n;
  return 0;
}

/* Remove partial files nobody holds a lock on (left by killed pulls). */
static int gc_tmp (struct store *s, size_t *removed, uint64_t *bytes, keel_error **err)
{
  _cleanup_free_ char *tmp = store_path (s, ".keel/tmp");
  _cleanup_closedir_ DIR *d = NULL;
  struct dirent *e;

  if (tmp == NULL)
    return keel_err (err, ENOMEM, "store");
  d = opendir (tmp);
  if (d == NULL)
    return errno == ENOENT ? 0 : keel_err_errno (err, "open `%s`", tmp);
  while ((e = readdir (d)) != NULL)
    {
      _cleanup_close_ int fd = -1;
      struct stat st;
      if (e->d_name[0] == '.')
        continue;
      fd = openat (dirfd (d), e->d_name, O_RDONLY | O_CLOEXEC);
      if (fd < 0 || flock (fd, LOCK_EX | LOCK_NB) < 0 || fstat (fd, &st) < 0)
        continue;
      if (unlinkat (dirfd (d), e->d_name, 0) == 0)
        {
          (*removed)++;
          *bytes += (uint64_t)st.st_size;
        }
    }
  return 0;
}

static int gc_blobs (struct store *s, char **keep, size_t *removed, uint64_t *bytes, keel_error **err)
{
  _cleanup_free_ char *dir = store_path (s, "blobs/sha256");
  _cleanup_closedir_ DIR *d = NULL;
  struct dirent *e;
  struct strset set = { keep, 0, 0 };

  for (char **k = keep; k && *k; k++)
    set.n++;
  if (dir == NULL)
    return keel_err (err, ENOMEM, "store");
  d = opendir (dir);
  if (d == NULL)
    return keel_err_errno (err, "open `%s`", dir);
  while ((e = readdir (d)) != NULL)
    {
      char name[DIGEST_STRING_MAX + 1];
      struct stat st;
      if (e->d_name[0] == '.' || strlen (e->d_name) > DIGEST_HEX_MAX)
        continue;
      snprintf (name, sizeof name, "sha256:%s", e->d_name);
      if (strset_has (&set, name) || fstatat (dirfd (d), e->d_name, &st, 0) < 0)
        continue;
      if (unlinkat (dirfd (d), e->d_name, 0) < 0)
        return keel_err_errno (err, "remove `%s/%s`", dir, e->d_name);
      (*removed)++;
      *bytes += (uint64_t)st.st_size;
    }
  return 0;
}

/* Files of one staging directory (flat: import.c writes e0, e1...); their bytes are added to *BYTES. */
static void gc_flat_dir (int parentfd, const char *name, uint64_t *bytes)
{
  int fd = openat (parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  _cleanup_closedir_ DIR *d = fd < 0 ? NULL : fdopendir (fd);
  struct dirent *e;
  struct stat st;

  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  while ((e = readdir (d)) != NULL)
    if (e->d_name[0] != '.' && fstatat (dirfd (d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
        && unlinkat (dirfd (d), e->d_name, 0) == 0)
      *bytes += (uint64_t)st.st_size;
}

/* Staging directories (.keel/import-*) of imports that died: a running import holds gc.lock shared,
 * so while gc holds it exclusively every one found is stale. */
static int gc_imports (struct store *s, size_t *removed, uint64_t *bytes, keel_error **err)
{
  _cleanup_free_ char *dir = store_path (s, ".keel");
  _cleanup_closedir_ DIR *d = NULL;
  struct dirent *e;

  if (dir == NULL)
    return keel_err (err, ENOMEM, "store");
  d = opendir (dir);
  if (d == NULL)
    return errno == ENOENT ? 0 : keel_err_errno (err, "open `%s`", dir);
  while ((e = readdir (d)) != NULL)
    {
      if (strncmp (e->d_name, "import-", 7) != 0)
        continue;
      gc_flat_dir (dirfd (d), e->d_name, bytes);
      if (unlinkat (dirfd (d), e->d_name, AT_REMOVEDIR) == 0)
        (*removed)++;
    }
  return 0;
}

int store_gc (struct store *s, size_t *removed, uint64_t *bytes, keel_error **err)
{
  _cleanup_close_ int gc = lock_file (s, ".keel/gc.lock", LOCK_EX, err);
  _cleanup_close_ int lk = -1;
  _cleanup_strv_ char **keep = NULL;
  size_t n;

  *removed = 0;
  *bytes = 0;
  if (gc < 0)
    return -1;
  lk = lock_file (s, ".keel/index.lock", LOCK_EX, err);
  if (lk < 0 || store_reachable (s, &keep, &n, err) < 0)
    return -1;
  if (gc_blobs (s, keep, removed, bytes, err) < 0)
    return -1;
  if (gc_tmp (s, removed, bytes, err) < 0)
    return -1;
  return gc_imports (s, removed, bytes, err);
}

static int add_problem (struct strset *p, keel_error **err, const char *a, const char *b)
{
  _cleanup_free_ char *msg = NULL;
  if (asprintf (&msg, "%s: %s", a, b) < 0)
    return keel_err (err, ENOMEM, "fsck");
  return strset_add (p, msg, err);
}

int store_fsck (struct store *s, char ***problems, keel_error **err)
{
  _cleanup_free_ char *dir = store_path (s, "blobs/sha256");
  _cleanup_closedir_ DIR *d = NULL;
  _cleanup_strv_ char **reach = NULL;
  struct strset p = { 0 };
  struct dirent *e;
  size_t n;

  if (dir == NULL)
    return keel_err (err, ENOMEM, "store");
  d = opendir (dir);
  if (d == NULL)
    return keel_err_errno (err, "open `%s`", dir);
  while ((e = readdir (d)) != NULL)
    {
      _cleanup_free_ char *buf = NULL, *name = NULL;
      keel_error *e2 = NULL;
      if (e->d_name[0] == '.')
        continue;
      if (asprintf (&name, "sha256:%s", e->d_name) < 0)
        goto nomem;
      if (store_read_blob (s, name, &buf, NULL, &e2) < 0)
        {
          int r = add_problem (&p, err, name, e2->msg);
          keel_error_free (e2);
          if (r < 0)
            goto fail;
        }
    }
  if (store_reachable (s, &reach, &n, err) < 0)
    goto fail;
  for (size_t i = 0; i < n; i++)
    if (!store_has_blob (s, reach[i], -1) && add_problem (&p, err, reach[i], "referenced but missing") < 0)
      goto fail;
  if (p.v == NULL && (p.v = calloc (1, sizeof (char *))) == NULL)
    goto nomem;
  *problems = p.v;
  return (int)p.n;
nomem:
  keel_err (err, ENOMEM, "fsck");
fail:
  keel_strv_freep (&p.v);
  return -1;
}
