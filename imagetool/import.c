/* imagetool import: a docker-archive or oci-archive tarball, staged and verified whole, then committed to the store. */
#include "config.h"
#include "image_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"
#include "fsutil.h"
#include "json.h"
#include "reference.h"
#include "store.h"

/* JSON documents (manifest.json, index.json, manifests, configs) bigger than this are refused:
 * image-spec manifest.md suggests registries accept manifests up to 4 MiB. */
#define STAGE_MAX_DOCUMENT (16u << 20)

/* One regular file, symlink or hard link of the archive. Links point at another entry by name. */
struct staged_entry
{
  char *name; /* normalised: no "./", no "//", never above the archive root */
  char *link; /* symlink or hard link target, normalised; NULL for a file */
  char *file; /* the file in the staging directory */
  int64_t size;
};

/* The archive unpacked flat into a private directory of the store (<store>/.keel/import-XXXXXX):
 * entries become e0, e1... so no archive name is ever used as a path. */
struct stage
{
  char *dir;
  int dirfd;
  struct staged_entry *entries;
  size_t n;
};

/* What goes into the store once everything is verified. */
struct plan_blob
{
  char *digest;
  int64_t size;
  const struct staged_entry *src; /* or DATA (a manifest written here) */
  char *data;
};
struct plan_image
{
  char *name;
  struct image_descriptor desc;
};
struct plan
{
  struct plan_blob *blobs;
  size_t n_blobs;
  struct plan_image *images;
  size_t n_images;
};

static void stage_clear (struct stage *st)
{
  for (size_t i = 0; i < st->n; i++)
    {
      if (st->entries[i].file != NULL && st->dirfd >= 0)
        unlinkat (st->dirfd, st->entries[i].file, 0);
      free (st->entries[i].name);
      free (st->entries[i].link);
      free (st->entries[i].file);
    }
  free (st->entries);
  if (st->dirfd >= 0)
    close (st->dirfd);
  if (st->dir != NULL)
    rmdir (st->dir);
  free (st->dir);
}

static void plan_clear (struct plan *p)
{
  for (size_t i = 0; i < p->n_blobs; i++)
    {
      free (p->blobs[i].digest);
      free (p->blobs[i].data);
    }
  for (size_t i = 0; i < p->n_images; i++)
    {
      free (p->images[i].name);
      image_descriptor_clear (&p->images[i].desc);
    }
  free (p->blobs);
  free (p->images);
}

/* NAME resolved against BASE (a normalised directory, "" for the root): "." dropped, ".." climbs
 * but never above the root, so "../x", "/x" and "a/../../x" are refused. "" when nothing remains. */
static int normalize_name (const char *base, const char *name, char **out, keel_error **err)
{
  size_t blen = strlen (base), cap = blen + strlen (name) + 2, len = blen;
  _cleanup_free_ char *buf = malloc (cap), *copy = strdup (name);
  char *save = NULL;

  if (buf == NULL || copy == NULL)
    return keel_err (err, ENOMEM, "import");
  if (name[0] == '/')
    return keel_err (err, 0, "absolute path");
  memcpy (buf, base, blen + 1);
  for (char *c = strtok_r (copy, "/", &save); c != NULL; c = strtok_r (NULL, "/", &save))
    {
      if (strcmp (c, ".") == 0)
        continue;
      if (strcmp (c, "..") == 0)
        {
          if (len == 0)
            return keel_err (err, 0, "path leaves the archive");
          char *slash = memrchr (buf, '/', len);
          len = slash ? (size_t)(slash - buf) : 0;
          buf[len] = '\0';
          continue;
        }
      len += (size_t)sprintf (buf + len, "%s%s", len ? "/" : "", c);
    }
  *out = keel_steal_ptr (buf);
  return 0;
}

static struct staged_entry *stage_add (struct stage *st, const char *name, keel_error **err)
{
  struct staged_entry *e = reallocarray (st->entries, st->n + 1, sizeof (*e));

  if (e == NULL)
    return keel_err (err, ENOMEM, "import"), NULL;
  st->entries = e;
  e = &st->entries[st->n++];
  memset (e, 0, sizeof (*e));
  e->name = strdup (name);
  if (e->name == NULL)
    return keel_err (err, ENOMEM, "import"), NULL;
  return e;
}

static int stage_file (struct stage *st, struct archive *a, struct archive_entry *ae, struct staged_entry *e,
                       keel_error **err)
{
  _cleanup_close_ int fd = -1;
  const void *buf;
  size_t len;
  la_int64_t off;
  int r;

  if (asprintf (&e->file, "e%zu", st->n - 1) < 0)
    {
      e->file = NULL;
      return keel_err (err, ENOMEM, "import");
    }
  fd = openat (st->dirfd, e->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return keel_err_errno (err, "create `%s/%s`", st->dir, e->file);
  /* sparse entries arrive as blocks at offsets, the holes reading back as zeros */
  while ((r = archive_read_data_block (a, &buf, &len, &off)) == ARCHIVE_OK)
    if (pwrite (fd, buf, len, off) != (ssize_t)len)
      return keel_err_errno (err, "write `%s/%s`", st->dir, e->file);
  if (r != ARCHIVE_EOF)
    return keel_err (err, 0, "%s", archive_error_string (a));
  e->size = archive_entry_size (ae);
  if (ftruncate (fd, e->size) < 0)
    return keel_err_errno (err, "truncate `%s/%s`", st->dir, e->file);
  return 0;
}

/* Regular files are copied out, links recorded by target name; directories and anything else
 * (devices, fifos) carry nothing an image needs. */
static int stage_entry (struct stage *st, struct archive *a, struct archive_entry *ae, keel_error **err)
{
  _cleanup_free_ char *name = NULL, *target = NULL;
  const char *hardlink = archive_entry_hardlink (ae);
  mode_t type = archive_entry_filetype (ae);
  struct staged_entry *e;

  if (normalize_name ("", archive_entry_pathname (ae), &name, err) < 0)
    return -1;
  if (hardlink != NULL)
    {
      if (normalize_name ("", hardlink, &target, err) < 0)
        return keel_err_prefix (err, "hard link to \"%s\"", hardlink);
    }
  else if (type == AE_IFLNK)
    {
      char *slash = strrchr (name, '/');
      _cleanup_free_ char *dir = strndup (name, slash ? (size_t)(slash - name) : 0);
      if (dir == NULL)
        return keel_err (err, ENOMEM, "import");
      if (normalize_name (dir, archive_entry_symlink (ae), &target, err) < 0)
        return keel_err_prefix (err, "symlink to \"%s\"", archive_entry_symlink (ae));
    }
  else if (type != AE_IFREG)
    return 0;
  if (name[0] == '\0')
    return 0;
  e = stage_add (st, name, err);
  if (e == NULL)
    return -1;
  if (target != NULL)
    {
      e->link = keel_steal_ptr (target);
      return 0;
    }
  return stage_file (st, a, ae, e, err);
}

static int stage_read_archive (struct stage *st, const char *path, keel_error **err)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *ae;
  int r = -1, rr;

  if (a == NULL)
    return keel_err (err, ENOMEM, "import");
  archive_read_support_format_tar (a);
  archive_read_support_filter_all (a);
  /* "-": standard input, as in `docker save IMAGE | imagetool import -` */
  if ((strcmp (path, "-") == 0 ? archive_read_open_fd (a, STDIN_FILENO, 1 << 16)
                               : archive_read_open_filename (a, path, 1 << 16))
      != ARCHIVE_OK)
    {
      keel_err (err, 0, "%s", archive_error_string (a)); /* the message carries strerror already */
      goto out;
    }
  while ((rr = archive_read_next_header (a, &ae)) != ARCHIVE_EOF)
    {
      if (rr < ARCHIVE_WARN)
        {
          keel_err (err, 0, "%s", archive_error_string (a));
          goto out;
        }
      if (stage_entry (st, a, ae, err) < 0)
        {
          keel_err_prefix (err, "entry \"%s\"", archive_entry_pathname (ae));
          goto out;
        }
    }
  r = 0;
out:
  archive_read_free (a);
  return r;
}

static int stage_open (const char *store_dir, struct stage *st, keel_error **err)
{
  if (asprintf (&st->dir, "%s/.keel/import-XXXXXX", store_dir) < 0)
    {
      st->dir = NULL;
      return keel_err (err, ENOMEM, "import");
    }
  if (mkdtemp (st->dir) == NULL)
    {
      keel_err_errno (err, "create `%s`", st->dir);
      free (st->dir);
      st->dir = NULL;
      return -1;
    }
  st->dirfd = open (st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return st->dirfd < 0 ? keel_err_errno (err, "open `%s`", st->dir) : 0;
}

/* The file behind NAME, through links (later entries replace earlier ones, as tar extraction would). */
static const struct staged_entry *stage_find (const struct stage *st, const char *name)
{
  for (int hops = 0; hops < 40; hops++)
    {
      const struct staged_entry *e = NULL;
      for (size_t i = st->n; i-- > 0 && e == NULL;)
        if (strcmp (st->entries[i].name, name) == 0)
          e = &st->entries[i];
      if (e == NULL || e->link == NULL)
        return e;
      name = e->link;
    }
  return NULL;
}

static const struct staged_entry *stage_need (const struct stage *st, const char *name, keel_error **err)
{
  const struct staged_entry *e = stage_find (st, name);
  if (e == NULL)
    keel_err (err, 0, "the archive has no \"%s\"", name);
  return e;
}

static int stage_fd (const struct stage *st, const struct staged_entry *e, keel_error **err)
{
  int fd = openat (st->dirfd, e->file, O_RDONLY | O_CLOEXEC);
  return fd < 0 ? keel_err_errno (err, "open `%s/%s`", st->dir, e->file) : fd;
}

static int stage_read (const struct stage *st, const struct staged_entry *e, char **buf, size_t *len, keel_error **err)
{
  if (e->size > (int64_t)STAGE_MAX_DOCUMENT)
    return keel_err (err, 0, "\"%s\": %lld bytes is too big for a JSON document", e->name, (long long)e->size);
  if (read_file_at (st->dirfd, e->file, buf, len, err) < 0)
    return keel_err_prefix (err, "\"%s\"", e->name);
  return 0;
}

/* Feed every byte of E to FN. */
static int stage_each_block (const struct stage *st, const struct staged_entry *e,
                             int (*fn) (void *, const void *, size_t, keel_error **), void *arg, keel_error **err)
{
  _cleanup_close_ int fd = stage_fd (st, e, err);
  char buf[1 << 16];
  ssize_t n;

  if (fd < 0)
    return -1;
  while ((n = read (fd, buf, sizeof buf)) > 0)
    if (fn (arg, buf, (size_t)n, err) < 0)
      return -1;
  return n < 0 ? keel_err_errno (err, "read `%s/%s`", st->dir, e->file) : 0;
}

static int hasher_cb (void *h, const void *buf, size_t len, keel_error **err)
{
  return digest_hasher_update (h, buf, len, err);
}

static int verifier_cb (void *v, const void *buf, size_t len, keel_error **err)
{
  return digest_verifier_update (v, buf, len, err);
}

/* sha256 of E's bytes as stored. */
static int stage_digest (const struct stage *st, const struct staged_entry *e, char **out, keel_error **err)
{
  _cleanup_digest_hasher_ struct digest_hasher *h = digest_hasher_new (DIGEST_SHA256, err);
  if (h == NULL || stage_each_block (st, e, hasher_cb, h, err) < 0)
    return -1;
  return digest_hasher_finish (h, out, err);
}

int image_archive_inflate (int fd, image_archive_sink sink, void *arg, keel_error **err)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *ae;
  const void *buf;
  size_t len;
  la_int64_t off;
  int r;

  if (a == NULL)
    return keel_err (err, ENOMEM, "libarchive");
  archive_read_support_format_raw (a);
  archive_read_support_filter_all (a);
  r = archive_read_open_fd (a, fd, 1 << 16);
  if (r == ARCHIVE_OK)
    r = archive_read_next_header (a, &ae);
  while (r == ARCHIVE_OK && (r = archive_read_data_block (a, &buf, &len, &off)) == ARCHIVE_OK)
    if (sink (arg, buf, len, err) < 0)
      {
        archive_read_free (a);
        return -1;
      }
  /* the raw format has nothing to read in an empty file: no bytes, no error */
  if (r != ARCHIVE_EOF && !(r == ARCHIVE_FATAL && lseek (fd, 0, SEEK_END) == 0))
    keel_err (err, 0, "decompress: %s", archive_error_string (a));
  else
    r = ARCHIVE_EOF;
  archive_read_free (a);
  return r == ARCHIVE_EOF ? 0 : -1;
}

/* sha256 of E decompressed: what rootfs.diff_ids lists. */
static int stage_diff_id (const struct stage *st, const struct staged_entry *e, char **out, keel_error **err)
{
  _cleanup_digest_hasher_ struct digest_hasher *h = digest_hasher_new (DIGEST_SHA256, err);
  _cleanup_close_ int fd = stage_fd (st, e, err);

  if (h == NULL || fd < 0)
    return -1;
  if (image_archive_inflate (fd, hasher_cb, h, err) < 0)
    return keel_err_prefix (err, "\"%s\"", e->name);
  return digest_hasher_finish (h, out, err);
}

static struct plan_blob *plan_find (struct plan *p, const char *digest)
{
  for (size_t i = 0; i < p->n_blobs; i++)
    if (strcmp (p->blobs[i].digest, digest) == 0)
      return &p->blobs[i];
  return NULL;
}

/* Record a verified blob (DATA, when given, is taken over). */
static int plan_add (struct plan *p, const char *digest, int64_t size, const struct staged_entry *src, char *data,
                     keel_error **err)
{
  struct plan_blob *b;

  if (plan_find (p, digest) != NULL)
    {
      free (data);
      return 0;
    }
  b = reallocarray (p->blobs, p->n_blobs + 1, sizeof (*b));
  if (b == NULL)
    {
      free (data);
      return keel_err (err, ENOMEM, "import");
    }
  p->blobs = b;
  b = &p->blobs[p->n_blobs];
  *b = (struct plan_blob){ .digest = strdup (digest), .size = size, .src = src, .data = data };
  if (b->digest == NULL)
    {
      free (data);
      return keel_err (err, ENOMEM, "import");
    }
  p->n_blobs++;
  return 0;
}

/* REF (the caller's) or the archive's name for an image, normalised ("alpine" → docker.io/library/alpine:latest). */
static int plan_add_image (struct plan *p, const char *name, const struct image_descriptor *desc, keel_error **err)
{
  struct plan_image *im = reallocarray (p->images, p->n_images + 1, sizeof (*im));
  struct reference ref;

  if (im == NULL)
    return keel_err (err, ENOMEM, "import");
  p->images = im;
  im = &p->images[p->n_images];
  memset (im, 0, sizeof (*im));
  if (reference_parse (name, &ref, err) < 0)
    return -1;
  im->name = reference_string (&ref);
  reference_clear (&ref);
  if (im->name == NULL)
    return keel_err (err, ENOMEM, "import");
  if (image_descriptor_copy (&im->desc, desc, err) < 0)
    {
      free (im->name);
      return -1;
    }
  /* the store writes its own ref.name */
  image_map_remove (im->desc.annotations, IMAGE_ANNOTATION_REF_NAME);
  image_map_remove (im->desc.annotations, IMAGE_ANNOTATION_CONTAINERD_NAME);
  p->n_images++;
  return 0;
}

/* ---- oci-archive: an OCI image layout ---- */

/* image-layout.md "Blobs": the blob at blobs/<alg>/<hex> MUST match its digest (and the descriptor's size). */
static const struct staged_entry *oci_blob (const struct stage *st, const struct image_descriptor *d, keel_error **err)
{
  _cleanup_free_ char *path = NULL, *got = NULL;
  _cleanup_digest_verifier_ struct digest_verifier *v = NULL;
  const struct staged_entry *e;

  if (image_layout_blob_path (d->digest, &path, err) < 0)
    return NULL;
  e = stage_find (st, path);
  if (e == NULL)
    return keel_err (err, 0, "missing blob %s (%s)", d->digest, path), NULL;
  v = digest_verifier_new (d->digest, err);
  if (v == NULL)
    return NULL;
  digest_verifier_expect_size (v, (uint64_t)d->size);
  if (stage_each_block (st, e, verifier_cb, v, err) < 0 || digest_verifier_finish (v, &got, err) < 0)
    return keel_err_prefix (err, "%s", path), NULL;
  return e;
}

struct oci_walk
{
  const struct stage *st;
  struct plan *plan;
  int depth;
};

/* Verify D's blob into the plan, then its children (a missing optional one is skipped). */
static int oci_walk (void *arg, const struct image_descriptor *d, bool optional, keel_error **err)
{
  struct oci_walk *w = arg, sub = { w->st, w->plan, w->depth + 1 };
  _cleanup_free_ char *path = NULL, *buf = NULL;
  const struct staged_entry *e;
  size_t len;

  if (w->depth > 8)
    return keel_err (err, 0, "%s: indexes nested too deep", d->digest);
  if (plan_find (w->plan, d->digest) != NULL)
    return 0;
  if (optional && image_layout_blob_path (d->digest, &path, err) == 0 && stage_find (w->st, path) == NULL)
    return 0;
  e = oci_blob (w->st, d, err);
  if (e == NULL || plan_add (w->plan, d->digest, d->size, e, NULL, err) < 0)
    return -1;
  if (image_media_type_kind (d->media_type) == IMAGE_KIND_UNKNOWN)
    return 0; /* a layer or a config: no children, and maybe too big to read */
  if (stage_read (w->st, e, &buf, &len, err) < 0)
    return -1;
  return image_each_child (d, buf, len, oci_walk, &sub, err);
}

static int oci_plan (const struct stage *st, const char *ref, struct plan *p, keel_error **err)
{
  _cleanup_free_ char *layout = NULL, *buf = NULL;
  _cleanup_image_index_ struct image_index *idx = NULL;
  const struct staged_entry *e;
  size_t len;

  if ((e = stage_need (st, "oci-layout", err)) == NULL || stage_read (st, e, &layout, &len, err) < 0
      || image_layout_check ("oci-layout", layout, len, err) < 0)
    return -1;
  if ((e = stage_need (st, "index.json", err)) == NULL || stage_read (st, e, &buf, &len, err) < 0
      || image_index_parse ("index.json", buf, len, &idx, err) < 0)
    return -1;
  if (idx->n_manifests == 0)
    return keel_err (err, 0, "index.json lists no image");
  if (ref != NULL && idx->n_manifests > 1)
    return keel_err (err, 0, "the archive holds %zu images: a name given on the command line fits only one",
                     idx->n_manifests);
  for (size_t i = 0; i < idx->n_manifests; i++)
    {
      const struct image_descriptor *d = &idx->manifests[i];
      const char *name = ref ? ref : image_map_get (d->annotations, IMAGE_ANNOTATION_CONTAINERD_NAME);
      if (name == NULL)
        name = image_map_get (d->annotations, IMAGE_ANNOTATION_REF_NAME);
      if (name == NULL)
        return keel_err (err, 0, "index.json: .manifests[%zu] (%s) has no %s annotation: name it on the command line",
                         i, d->digest, IMAGE_ANNOTATION_REF_NAME);
      if (oci_walk (&(struct oci_walk){ st, p, 0 }, d, false, err) < 0 || plan_add_image (p, name, d, err) < 0)
        return keel_err_prefix (err, "index.json: .manifests[%zu]", i);
    }
  return 0;
}

/* ---- docker-archive: manifest.json ---- */

/* The hex a name promises: "blobs/sha256/<hex>" or "<hex>.json" (docker's image id is the config digest). */
static bool name_promises (const char *name, const char *digest)
{
  const char *base = strrchr (name, '/'), *hex = strchr (digest, ':') + 1;
  size_t n = strlen (hex);

  base = base ? base + 1 : name;
  if (strncmp (name, "blobs/sha256/", 13) != 0 && !(strlen (base) == n + 5 && strcmp (base + n, ".json") == 0))
    return false;
  return strspn (base, "0123456789abcdef") == n;
}

static int check_named (const char *name, const char *digest, keel_error **err)
{
  const char *base = strrchr (name, '/');
  base = base ? base + 1 : name;
  if (name_promises (name, digest) && strncmp (base, strchr (digest, ':') + 1, strlen (digest) - 7) != 0)
    return keel_err (err, 0, "\"%s\": content is %s, not what its name says", name, digest);
  return 0;
}

static enum image_compression sniff_compression (const struct stage *st, const struct staged_entry *e)
{
  _cleanup_close_ int fd = openat (st->dirfd, e->file, O_RDONLY | O_CLOEXEC);
  unsigned char m[4] = { 0 };

  if (fd < 0 || read (fd, m, sizeof m) != (ssize_t)sizeof m)
    return IMAGE_COMPRESSION_NONE;
  if (m[0] == 0x1f && m[1] == 0x8b)
    return IMAGE_COMPRESSION_GZIP;
  if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
    return IMAGE_COMPRESSION_ZSTD;
  return IMAGE_COMPRESSION_NONE;
}

static const char *layer_media_type (enum image_compression c, bool oci)
{
  if (c == IMAGE_COMPRESSION_ZSTD)
    return IMAGE_MT_OCI_LAYER_ZSTD;
  if (c == IMAGE_COMPRESSION_GZIP)
    return oci ? IMAGE_MT_OCI_LAYER_GZIP : IMAGE_MT_DOCKER_LAYER_GZIP;
  return oci ? IMAGE_MT_OCI_LAYER : IMAGE_MT_DOCKER_LAYER;
}

static int fill_descriptor (struct image_descriptor *d, const char *media_type, const char *digest, int64_t size,
                            keel_error **err)
{
  d->media_type = strdup (media_type);
  d->digest = strdup (digest);
  d->size = size;
  if (d->media_type == NULL || d->digest == NULL)
    return keel_err (err, ENOMEM, "import");
  return digest_parse (digest, &d->dgst, err);
}

/* Layer I of a docker image: its content must decompress to the config's rootfs.diff_ids[I]. */
static int docker_layer (const struct stage *st, struct plan *p, const char *name, const struct image_config *cfg,
                         size_t i, struct image_manifest *m, bool oci, keel_error **err)
{
  _cleanup_free_ char *norm = NULL, *digest = NULL, *diff = NULL;
  const struct staged_entry *e;
  enum image_compression c;

  if (normalize_name ("", name, &norm, err) < 0)
    return keel_err_prefix (err, "\"%s\"", name);
  if ((e = stage_need (st, norm, err)) == NULL || stage_digest (st, e, &digest, err) < 0
      || check_named (norm, digest, err) < 0)
    return -1;
  c = sniff_compression (st, e);
  if (c == IMAGE_COMPRESSION_NONE)
    diff = strdup (digest);
  else if (stage_diff_id (st, e, &diff, err) < 0)
    return -1;
  if (diff == NULL)
    return keel_err (err, ENOMEM, "import");
  /* image-spec config.md "rootfs.diff_ids": the digests of the uncompressed layers, in order */
  if (strcmp (diff, cfg->diff_ids[i]) != 0)
    return keel_err (err, 0, "\"%s\": uncompressed content is %s, the config's rootfs.diff_ids[%zu] is %s", norm, diff,
                     i, cfg->diff_ids[i]);
  if (fill_descriptor (&m->layers[i], layer_media_type (c, oci), digest, e->size, err) < 0)
    return -1;
  return plan_add (p, digest, e->size, e, NULL, err);
}

static int docker_config (const struct stage *st, struct plan *p, const char *name, struct image_config **cfg,
                          struct image_descriptor *d, keel_error **err)
{
  _cleanup_free_ char *norm = NULL, *digest = NULL, *buf = NULL;
  const struct staged_entry *e;
  size_t len;

  if (normalize_name ("", name, &norm, err) < 0)
    return keel_err_prefix (err, "\"%s\"", name);
  if ((e = stage_need (st, norm, err)) == NULL || stage_read (st, e, &buf, &len, err) < 0
      || digest_compute (DIGEST_SHA256, buf, len, &digest, err) < 0 || check_named (norm, digest, err) < 0
      || image_config_parse (norm, buf, len, cfg, err) < 0)
    return -1;
  if (fill_descriptor (d, IMAGE_MT_DOCKER_CONFIG, digest, (int64_t)len, err) < 0)
    return -1;
  return plan_add (p, digest, (int64_t)len, e, NULL, err);
}

/* The manifest `docker save` leaves out: Docker schema2 (OCI when a layer is zstd, which schema2 cannot name). */
static int docker_manifest (const struct stage *st, struct plan *p, char *const *layers, size_t n,
                            const struct image_config *cfg, struct image_manifest *m, keel_error **err)
{
  bool oci = false;

  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *norm = NULL;
      const struct staged_entry *e;
      if (normalize_name ("", layers[i], &norm, err) < 0)
        keel_err_prefix (err, "\"%s\"", layers[i]);
      if (norm == NULL || (e = stage_need (st, norm, err)) == NULL)
        return keel_err_prefix (err, ".Layers[%zu]", i);
      oci = oci || sniff_compression (st, e) == IMAGE_COMPRESSION_ZSTD;
    }
  m->schema_version = 2;
  m->layers = calloc (n + 1, sizeof (*m->layers));
  m->n_layers = n;
  m->media_type = strdup (oci ? IMAGE_MT_OCI_MANIFEST : IMAGE_MT_DOCKER_MANIFEST);
  if (m->layers == NULL || m->media_type == NULL)
    return keel_err (err, ENOMEM, "import");
  if (oci)
    {
      free (m->config.media_type);
      if ((m->config.media_type = strdup (IMAGE_MT_OCI_CONFIG)) == NULL)
        return keel_err (err, ENOMEM, "import");
    }
  for (size_t i = 0; i < n; i++)
    if (docker_layer (st, p, layers[i], cfg, i, m, oci, err) < 0)
      return keel_err_prefix (err, ".Layers[%zu]", i);
  return 0;
}

static int docker_image (const struct stage *st, struct plan *p, yajl_val item, const char *path, const char *ref,
                         keel_error **err)
{
  json_ctx c = { "manifest.json", err };
  _cleanup_free_ char *config = NULL, *json = NULL, *digest = NULL;
  _cleanup_strv_ char **layers = NULL, **tags = NULL;
  _cleanup_image_config_ struct image_config *cfg = NULL;
  _cleanup_image_manifest_ struct image_manifest *m = calloc (1, sizeof (*m));
  struct image_descriptor d = { 0 };
  size_t n_layers = 0, len;
  int r;

  if (m == NULL)
    return keel_err (err, ENOMEM, "import");
  if (json_expect_object (&c, item, path) < 0 || json_get_strv (&c, item, path, "RepoTags", &tags, NULL) < 0
      || (r = json_get_string (&c, item, path, "Config", &config)) < 0
      || (r == 0 && json_error_at (&c, path, "Config", "missing") < 0)
      || (r = json_get_strv (&c, item, path, "Layers", &layers, &n_layers)) < 0
      || (r == 0 && json_error_at (&c, path, "Layers", "missing") < 0))
    return -1;
  if (docker_config (st, p, config, &cfg, &m->config, err) < 0)
    return keel_err_prefix (err, "manifest.json: %s.Config", path);
  if (cfg->n_diff_ids != n_layers)
    return keel_err (err, 0, "manifest.json: %s.Layers lists %zu layers, the config's rootfs.diff_ids %zu", path,
                     n_layers, cfg->n_diff_ids);
  if (docker_manifest (st, p, layers, n_layers, cfg, m, err) < 0 || image_manifest_to_json (m, &json, &len, err) < 0
      || digest_compute (DIGEST_SHA256, json, len, &digest, err) < 0)
    return keel_err_prefix (err, "manifest.json: %s", path);
  if (fill_descriptor (&d, m->media_type, digest, (int64_t)len, err) < 0
      || plan_add (p, digest, (int64_t)len, NULL, keel_steal_ptr (json), err) < 0)
    goto fail;
  if (ref == NULL && (tags == NULL || tags[0] == NULL))
    {
      keel_err (err, 0, "manifest.json: %s has no RepoTags: name the image on the command line", path);
      goto fail;
    }
  for (size_t i = 0; ref != NULL ? i < 1 : tags[i] != NULL; i++)
    if (plan_add_image (p, ref ? ref : tags[i], &d, err) < 0)
      goto fail;
  image_descriptor_clear (&d);
  return 0;
fail:
  image_descriptor_clear (&d);
  return -1;
}

static int docker_plan (const struct stage *st, const char *ref, struct plan *p, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  _cleanup_json_ yajl_val root = NULL;
  json_ctx c = { "manifest.json", err };
  const struct staged_entry *e = stage_find (st, "manifest.json");
  size_t len;

  if (stage_read (st, e, &buf, &len, err) < 0 || json_parse ("manifest.json", buf, len, &root, err) < 0
      || json_expect_array (&c, root, "") < 0)
    return -1;
  if (YAJL_GET_ARRAY (root)->len == 0)
    return keel_err (err, 0, "manifest.json lists no image");
  if (ref != NULL && YAJL_GET_ARRAY (root)->len > 1)
    return keel_err (err, 0, "the archive holds %zu images: a name given on the command line fits only one",
                     YAJL_GET_ARRAY (root)->len);
  for (size_t i = 0; i < YAJL_GET_ARRAY (root)->len; i++)
    {
      _cleanup_free_ char *path = json_path_index ("", i);
      if (path == NULL)
        return keel_err (err, ENOMEM, "import");
      if (docker_image (st, p, YAJL_GET_ARRAY (root)->values[i], path, ref, err) < 0)
        return -1;
    }
  return 0;
}

/* ---- commit ---- */

static int copy_to_writer (const struct stage *st, const struct plan_blob *b, struct store_writer *w, keel_error **err)
{
  _cleanup_close_ int fd = stage_fd (st, b->src, err);
  char buf[1 << 16];
  ssize_t n;

  if (fd < 0)
    return -1;
  /* the store keeps a partial blob of an earlier attempt: continue after it */
  if (lseek (fd, (off_t)store_writer_offset (w), SEEK_SET) < 0)
    return keel_err_errno (err, "seek `%s/%s`", st->dir, b->src->file);
  while ((n = read (fd, buf, sizeof buf)) > 0)
    if (store_writer_write (w, buf, (size_t)n, err) < 0)
      return -1;
  return n < 0 ? keel_err_errno (err, "read `%s/%s`", st->dir, b->src->file) : 0;
}

static int commit_blob (struct store *s, const struct stage *st, const struct plan_blob *b, keel_error **err)
{
  struct store_writer *w;
  int r;

  if (b->data != NULL)
    return store_put_blob (s, b->digest, b->data, (size_t)b->size, NULL, err);
  while ((r = store_writer_begin (s, b->digest, b->size, &w, err)) == STORE_BEGIN_BUSY)
    usleep (100 * 1000); /* a concurrent pull is writing the same blob */
  if (r != STORE_BEGIN_WRITE)
    return r < 0 ? -1 : 0;
  if (copy_to_writer (st, b, w, err) < 0)
    {
      store_writer_abort (w, false);
      return -1;
    }
  return store_writer_commit (w, err);
}

static int commit_plan (struct store *s, const struct stage *st, const struct plan *p, char ***names, keel_error **err)
{
  _cleanup_strv_ char **out = calloc (p->n_images + 1, sizeof (char *));

  if (out == NULL)
    return keel_err (err, ENOMEM, "import");
  for (size_t i = 0; i < p->n_blobs; i++)
    if (commit_blob (s, st, &p->blobs[i], err) < 0)
      return keel_err_prefix (err, "store %s", p->blobs[i].digest);
  for (size_t i = 0; i < p->n_images; i++)
    {
      if (store_set_ref (s, p->images[i].name, &p->images[i].desc, err) < 0)
        return -1;
      if ((out[i] = strdup (p->images[i].name)) == NULL)
        return keel_err (err, ENOMEM, "import");
    }
  *names = keel_steal_ptr (out);
  return 0;
}

static int import_staged (struct store *s, const struct stage *st, const char *ref, char ***names, keel_error **err)
{
  struct plan p = { 0 };
  int r;

  if (stage_find (st, "manifest.json") != NULL)
    r = docker_plan (st, ref, &p, err);
  else if (stage_find (st, "index.json") != NULL)
    r = oci_plan (st, ref, &p, err);
  else if (stage_find (st, "repositories") != NULL)
    r = keel_err (err, 0, "a `docker save` archive without manifest.json (Docker < 1.10) is not supported");
  else
    r = keel_err (err, 0, "neither an oci-archive (no index.json) nor a docker-archive (no manifest.json)");
  if (r == 0)
    r = commit_plan (s, st, &p, names, err);
  plan_clear (&p);
  return r;
}

int image_archive_import (struct store *s, const char *path, const char *ref, char ***names, keel_error **err)
{
  struct stage st = { .dirfd = -1 };
  int r;

  *names = NULL;
  r = stage_open (store_dir (s), &st, err);
  if (r == 0)
    r = stage_read_archive (&st, path, err);
  if (r == 0)
    r = import_staged (s, &st, ref, names, err);
  stage_clear (&st);
  return r < 0 ? keel_err_prefix (err, "`%s`", path) : 0;
}
