/* imagetool export: a stored image as an oci-archive (OCI image layout in a tar) or a docker-archive (`docker load`).
 */
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
#include "unpack.h"

int image_archive_format_parse (const char *s, enum image_archive_format *out, keel_error **err)
{
  if (strcmp (s, "oci-archive") == 0)
    *out = IMAGE_ARCHIVE_OCI;
  else if (strcmp (s, "docker-archive") == 0)
    *out = IMAGE_ARCHIVE_DOCKER;
  else
    return keel_err (err, 0, "unknown archive format \"%s\" (oci-archive or docker-archive)", s);
  return 0;
}

/* The tar being written: PATH.tmp-XXXXXX until tar_finish renames it, so PATH is whole or untouched. */
struct tar_out
{
  struct archive *a;
  char *tmp;
  int fd;
};

static int tar_error (struct tar_out *t, keel_error **err)
{
  return keel_err (err, archive_errno (t->a) > 0 ? archive_errno (t->a) : 0, "write `%s`: %s", t->tmp ? t->tmp : "-",
                   archive_error_string (t->a));
}

/* "-": standard output (`imagetool export --format docker-archive IMAGE - | docker load`), streamed as is. */
static int tar_begin (struct tar_out *t, const char *path, keel_error **err)
{
  if (strcmp (path, "-") == 0)
    t->fd = fcntl (STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  else if (asprintf (&t->tmp, "%s.tmp-XXXXXX", path) < 0)
    {
      t->tmp = NULL;
      return keel_err (err, ENOMEM, "export");
    }
  else
    t->fd = mkostemp (t->tmp, O_CLOEXEC);
  if (t->fd < 0)
    return keel_err_errno (err, "create `%s`", t->tmp ? t->tmp : "-");
  t->a = archive_write_new ();
  if (t->a == NULL)
    return keel_err (err, ENOMEM, "export");
  /* pax keeps long names and big sizes; docker load and skopeo read it. No padding of the last block,
   * which libarchive would add on a pipe only: the same bytes to a file and to stdout. */
  if (archive_write_set_format_pax_restricted (t->a) != ARCHIVE_OK
      || archive_write_set_bytes_in_last_block (t->a, 1) != ARCHIVE_OK
      || archive_write_open_fd (t->a, t->fd) != ARCHIVE_OK)
    return tar_error (t, err);
  return 0;
}

static void tar_abort (struct tar_out *t)
{
  if (t->a != NULL)
    archive_write_free (t->a);
  if (t->fd >= 0)
    close (t->fd);
  if (t->tmp != NULL)
    unlink (t->tmp);
  free (t->tmp);
}

static int tar_finish (struct tar_out *t, const char *path, keel_error **err)
{
  int r = archive_write_close (t->a) != ARCHIVE_OK ? tar_error (t, err) : 0;

  if (t->tmp == NULL)
    {
      tar_abort (t);
      return r;
    }
  if (r == 0 && fsync (t->fd) < 0)
    r = keel_err_errno (err, "fsync `%s`", t->tmp);
  if (r == 0 && rename (t->tmp, path) < 0)
    r = keel_err_errno (err, "rename `%s` to `%s`", t->tmp, path);
  if (r == 0)
    {
      free (t->tmp);
      t->tmp = NULL;
    }
  tar_abort (t);
  return r;
}

/* Entries carry fixed owners and times: the same image always gives the same archive. */
static int tar_header (struct tar_out *t, const char *name, mode_t type, int64_t size, keel_error **err)
{
  struct archive_entry *e = archive_entry_new ();
  int r;

  if (e == NULL)
    return keel_err (err, ENOMEM, "export");
  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, type);
  archive_entry_set_perm (e, type == AE_IFDIR ? 0755 : 0644);
  archive_entry_set_size (e, type == AE_IFDIR ? 0 : size);
  archive_entry_set_mtime (e, 0, 0);
  r = archive_write_header (t->a, e);
  archive_entry_free (e);
  return r != ARCHIVE_OK ? tar_error (t, err) : 0;
}

static int tar_data (struct tar_out *t, const void *buf, size_t len, keel_error **err)
{
  return archive_write_data (t->a, buf, len) != (la_ssize_t)len ? tar_error (t, err) : 0;
}

static int tar_add_buf (struct tar_out *t, const char *name, const void *buf, size_t len, keel_error **err)
{
  if (tar_header (t, name, AE_IFREG, (int64_t)len, err) < 0)
    return -1;
  return tar_data (t, buf, len, err);
}

/* Copy FD's SIZE bytes into entry NAME, feeding V (may be NULL) on the way. */
static int tar_add_fd (struct tar_out *t, const char *name, int fd, int64_t size, struct digest_verifier *v,
                       keel_error **err)
{
  char buf[1 << 16];
  ssize_t n;

  if (tar_header (t, name, AE_IFREG, size, err) < 0)
    return -1;
  while ((n = read (fd, buf, sizeof buf)) > 0)
    if ((v != NULL && digest_verifier_update (v, buf, (size_t)n, err) < 0) || tar_data (t, buf, (size_t)n, err) < 0)
      return -1;
  return n < 0 ? keel_err_errno (err, "read %s", name) : 0;
}

/* A store blob as NAME, verified again on the way out: an archive never carries a corrupt blob. */
static int tar_add_blob (struct tar_out *t, struct store *s, const char *name, const char *digest, int64_t size,
                         keel_error **err)
{
  _cleanup_free_ char *path = NULL;
  _cleanup_close_ int fd = -1;
  _cleanup_digest_verifier_ struct digest_verifier *v = digest_verifier_new (digest, err);

  if (v == NULL || store_blob_path (s, digest, &path, err) < 0)
    return -1;
  digest_verifier_expect_size (v, (uint64_t)size);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return keel_err_errno (err, "blob %s: open `%s`", digest, path);
  if (tar_add_fd (t, name, fd, size, v, err) < 0 || digest_verifier_finish (v, NULL, err) < 0)
    return keel_err_prefix (err, "blob %s", digest);
  return 0;
}

/* ---- oci-archive ---- */

struct blob_list
{
  struct image_descriptor *d; /* borrowed shapes: digest and size copied */
  size_t n;
};

static bool blob_list_has (const struct blob_list *l, const char *digest)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp (l->d[i].digest, digest) == 0)
      return true;
  return false;
}

static int blob_list_add (struct blob_list *l, const struct image_descriptor *d, keel_error **err)
{
  struct image_descriptor *n = reallocarray (l->d, l->n + 1, sizeof (*n));

  if (n == NULL)
    return keel_err (err, ENOMEM, "export");
  l->d = n;
  memset (&l->d[l->n], 0, sizeof (*n));
  l->d[l->n].size = d->size;
  l->d[l->n].digest = strdup (d->digest);
  if (l->d[l->n++].digest == NULL)
    return keel_err (err, ENOMEM, "export");
  return 0;
}

static void blob_list_clear (struct blob_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    free (l->d[i].digest);
  free (l->d);
}

struct oci_collect
{
  struct store *store;
  struct blob_list *list;
  int depth;
};

/* D's blob and, through its children, everything it needs that the store holds. */
static int oci_collect (void *arg, const struct image_descriptor *d, bool optional, keel_error **err)
{
  struct oci_collect *c = arg, sub = { c->store, c->list, c->depth + 1 };
  _cleanup_free_ char *buf = NULL;
  size_t len;

  if (c->depth > 8)
    return keel_err (err, 0, "%s: indexes nested too deep", d->digest);
  if (blob_list_has (c->list, d->digest))
    return 0;
  if (!store_has_blob (c->store, d->digest, d->size))
    return optional ? 0 : keel_err (err, 0, "blob %s (%s) is not in the store", d->digest, d->media_type);
  if (blob_list_add (c->list, d, err) < 0)
    return -1;
  if (image_media_type_kind (d->media_type) == IMAGE_KIND_UNKNOWN)
    return 0; /* a layer or a config */
  if (store_read_blob (c->store, d->digest, &buf, &len, err) < 0)
    return -1;
  return image_each_child (d, buf, len, oci_collect, &sub, err);
}

static int oci_index_json (const char *name, const struct image_descriptor *desc, char **json, size_t *len,
                           keel_error **err)
{
  _cleanup_image_index_ struct image_index *idx = image_index_new (err);
  struct image_descriptor d = { 0 };

  if (idx == NULL || image_descriptor_copy (&d, desc, err) < 0)
    return -1;
  /* image-layout.md "index.json": ref.name on the descriptor names the image for skopeo/umoci */
  if (image_map_set (&d.annotations, IMAGE_ANNOTATION_REF_NAME, name, err) < 0 || image_index_append (idx, &d, err) < 0)
    {
      image_descriptor_clear (&d);
      return -1;
    }
  return image_index_to_json (idx, json, len, err);
}

static int export_oci (struct store *s, const char *name, const struct image_descriptor *desc, struct tar_out *t,
                       keel_error **err)
{
  static const char layout[] = IMAGE_LAYOUT_OCI_LAYOUT_JSON;
  struct blob_list l = { 0 };
  _cleanup_free_ char *index = NULL;
  size_t len;
  int r = -1;

  if (oci_collect (&(struct oci_collect){ s, &l, 0 }, desc, false, err) < 0
      || oci_index_json (name, desc, &index, &len, err) < 0)
    goto out;
  if (tar_add_buf (t, "oci-layout", layout, sizeof layout - 1, err) < 0
      || tar_add_buf (t, "index.json", index, len, err) < 0 || tar_header (t, "blobs", AE_IFDIR, 0, err) < 0)
    goto out;
  for (size_t i = 0; i < l.n; i++)
    {
      _cleanup_free_ char *path = NULL, *dir = NULL;
      if (image_layout_blob_path (l.d[i].digest, &path, err) < 0)
        goto out;
      dir = strndup (path, strrchr (path, '/') - path);
      if (dir == NULL)
        {
          keel_err (err, ENOMEM, "export");
          goto out;
        }
      /* one directory entry per algorithm, before its first blob */
      bool first = true;
      for (size_t j = 0; j < i && first; j++)
        first = strncmp (l.d[j].digest, l.d[i].digest, strchr (l.d[i].digest, ':') - l.d[i].digest + 1) != 0;
      if ((first && tar_header (t, dir, AE_IFDIR, 0, err) < 0)
          || tar_add_blob (t, s, path, l.d[i].digest, l.d[i].size, err) < 0)
        goto out;
    }
  r = 0;
out:
  blob_list_clear (&l);
  return r;
}

/* ---- docker-archive ---- */

struct inflate_out
{
  struct digest_hasher *hasher;
  int fd;
};

static int inflate_out_cb (void *arg, const void *buf, size_t len, keel_error **err)
{
  struct inflate_out *o = arg;
  if (digest_hasher_update (o->hasher, buf, len, err) < 0)
    return -1;
  return write_all (o->fd, buf, len) < 0 ? keel_err_errno (err, "write a temporary file") : 0;
}

/* Decompress store blob DIGEST into an anonymous file, hashing the plain bytes: *fd, *size, *diff_id. */
static int decompress_blob (struct store *s, const char *digest, int *fd, int64_t *size, char **diff_id,
                            keel_error **err)
{
  _cleanup_free_ char *path = NULL;
  _cleanup_digest_hasher_ struct digest_hasher *h = digest_hasher_new (DIGEST_SHA256, err);
  _cleanup_close_ int in = -1, out = -1;

  if (h == NULL || store_blob_path (s, digest, &path, err) < 0)
    return -1;
  if ((in = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    return keel_err_errno (err, "blob %s: open `%s`", digest, path);
  out = open (store_dir (s), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (out < 0)
    return keel_err_errno (err, "create a temporary file in `%s`", store_dir (s));
  if (image_archive_inflate (in, inflate_out_cb, &(struct inflate_out){ h, out }, err) < 0)
    return keel_err_prefix (err, "blob %s", digest);
  if (digest_hasher_finish (h, diff_id, err) < 0)
    return -1;
  *size = lseek (out, 0, SEEK_CUR);
  if (*size < 0 || lseek (out, 0, SEEK_SET) < 0)
    return keel_err_errno (err, "seek a temporary file");
  *fd = keel_steal_fd (out);
  return 0;
}

/* "name:tag" for RepoTags (docker load tags the image with it); none for a name@digest. */
static int docker_repo_tags (const char *name, char ***out, keel_error **err)
{
  struct reference ref;
  bool tagged;

  *out = calloc (2, sizeof (char *));
  if (*out == NULL)
    return keel_err (err, ENOMEM, "export");
  if (reference_parse (name, &ref, err) < 0)
    return -1;
  tagged = ref.digest == NULL;
  if (tagged)
    (*out)[0] = reference_string (&ref);
  reference_clear (&ref);
  return tagged && (*out)[0] == NULL ? keel_err (err, ENOMEM, "export") : 0;
}

static int docker_manifest_json (const char *config, char *const *layers, char *const *tags, char **out, size_t *len,
                                 keel_error **err)
{
  _cleanup_json_gen_ yajl_gen g = json_gen_new (false);

  if (g == NULL)
    return keel_err (err, ENOMEM, "export");
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  json_gen_kv_str (g, "Config", config);
  json_gen_kv_strv (g, "RepoTags", tags);
  json_gen_kv_strv (g, "Layers", layers);
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
  return json_gen_take (g, out, len, err);
}

/* Layer I, uncompressed as docker load wants it, as <diff_id hex>/layer.tar (written once when layers repeat). */
static int docker_layer (struct store *s, const struct unpack_image *im, size_t i, struct tar_out *t, char **layers,
                         keel_error **err)
{
  const struct image_descriptor *d = &im->manifest->layers[i];
  _cleanup_free_ char *diff = NULL;
  _cleanup_close_ int fd = -1;
  int64_t size = 0;

  if (!store_has_blob (s, d->digest, d->size))
    return keel_err (err, 0, "layer %zu (%s) is not in the store", i + 1, d->digest);
  if (decompress_blob (s, d->digest, &fd, &size, &diff, err) < 0)
    return -1;
  /* image-spec config.md: rootfs.diff_ids[i] is the digest of layer i uncompressed; docker load checks it */
  if (strcmp (diff, im->config->diff_ids[i]) != 0)
    return keel_err (err, 0, "layer %zu (%s): uncompressed content is %s, the config's rootfs.diff_ids[%zu] is %s",
                     i + 1, d->digest, diff, i, im->config->diff_ids[i]);
  if (asprintf (&layers[i], "%s/layer.tar", strchr (diff, ':') + 1) < 0)
    {
      layers[i] = NULL;
      return keel_err (err, ENOMEM, "export");
    }
  for (size_t j = 0; j < i; j++)
    if (strcmp (layers[j], layers[i]) == 0)
      return 0;
  if (tar_header (t, strchr (diff, ':') + 1, AE_IFDIR, 0, err) < 0)
    return -1;
  return tar_add_fd (t, layers[i], fd, size, NULL, err);
}

static int export_docker (struct store *s, const char *name, const struct image_descriptor *desc,
                          const struct image_platform *want, struct tar_out *t, keel_error **err)
{
  struct unpack_image im = { 0 };
  _cleanup_free_ char *config = NULL, *json = NULL;
  _cleanup_strv_ char **layers = NULL, **tags = NULL;
  const struct image_descriptor *cd;
  size_t len;
  int r = -1;

  if (unpack_load (s, desc, want, &im, err) < 0)
    return -1;
  cd = &im.manifest->config;
  if (im.config->n_diff_ids != im.manifest->n_layers)
    {
      keel_err (err, 0, "the image config lists %zu diff_ids for %zu layers", im.config->n_diff_ids,
                im.manifest->n_layers);
      goto out;
    }
  layers = calloc (im.manifest->n_layers + 1, sizeof (char *));
  if (layers == NULL || asprintf (&config, "%s.json", strchr (cd->digest, ':') + 1) < 0)
    {
      config = NULL;
      keel_err (err, ENOMEM, "export");
      goto out;
    }
  if (tar_add_blob (t, s, config, cd->digest, cd->size, err) < 0)
    goto out;
  for (size_t i = 0; i < im.manifest->n_layers; i++)
    if (docker_layer (s, &im, i, t, layers, err) < 0)
      goto out;
  if (docker_repo_tags (name, &tags, err) < 0 || docker_manifest_json (config, layers, tags, &json, &len, err) < 0
      || tar_add_buf (t, "manifest.json", json, len, err) < 0)
    goto out;
  r = 0;
out:
  unpack_image_clear (&im);
  return r;
}

int image_archive_export (struct store *s, const char *name, const struct image_descriptor *desc,
                          const struct image_platform *want, enum image_archive_format fmt, const char *path,
                          keel_error **err)
{
  struct tar_out t = { .fd = -1 };
  int r = tar_begin (&t, path, err);

  if (r == 0)
    r = fmt == IMAGE_ARCHIVE_OCI ? export_oci (s, name, desc, &t, err) : export_docker (s, name, desc, want, &t, err);
  if (r == 0)
    return tar_finish (&t, path, err);
  tar_abort (&t);
  return -1;
}
