/* A stored image → OCI bundle or config.json: the store side of `imagetool unpack|pull REF BUNDLE|config REF`. */
#include "config.h"
#include "unpack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "store.h"

static int load_manifest_desc (struct store *s, const struct image_descriptor *desc, const struct image_platform *want,
                               struct image_manifest **out, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  _cleanup_image_index_ struct image_index *idx = NULL;
  struct image_platform host = { 0 };
  enum image_kind kind;
  size_t len, chosen;
  int r;

  if (store_read_blob (s, desc->digest, &buf, &len, err) < 0)
    return -1;
  kind = image_document_kind (desc->media_type, buf, len);
  if (kind == IMAGE_KIND_MANIFEST)
    return image_manifest_parse (desc->digest, buf, len, out, err);
  if (kind != IMAGE_KIND_INDEX)
    return keel_err (err, 0, "%s: a %s cannot be unpacked", desc->digest, image_kind_name (kind));
  if (image_index_parse (desc->digest, buf, len, &idx, err) < 0)
    return -1;
  if (want == NULL)
    {
      if (image_platform_host (&host, err) < 0)
        return -1;
      want = &host;
    }
  r = image_index_select (idx, desc->digest, want, &chosen, err);
  image_platform_clear (&host);
  if (r < 0)
    return -1;
  return load_manifest_desc (s, &idx->manifests[chosen], want, out, err);
}

int unpack_load (struct store *s, const struct image_descriptor *desc, const struct image_platform *want,
                 struct unpack_image *out, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len;

  memset (out, 0, sizeof (*out));
  if (load_manifest_desc (s, desc, want, &out->manifest, err) < 0)
    return -1;
  if (store_read_blob (s, out->manifest->config.digest, &buf, &len, err) < 0
      || image_config_parse (out->manifest->config.digest, buf, len, &out->config, err) < 0)
    {
      unpack_image_clear (out);
      return keel_err_prefix (err, "image config");
    }
  return 0;
}

void unpack_image_clear (struct unpack_image *im)
{
  image_manifest_free (im->manifest);
  image_config_free (im->config);
  memset (im, 0, sizeof (*im));
}

int unpack_bundle (struct store *s, const struct unpack_image *im, const char *bundle, const struct bundle_options *o,
                   const struct layer_options *lo, keel_error **err)
{
  return unpack_bundle_snapshot (s, im, bundle, o, lo, SNAPSHOT_OFF, err);
}

int unpack_bundle_snapshot (struct store *s, const struct unpack_image *im, const char *bundle,
                            const struct bundle_options *o, const struct layer_options *lo, enum snapshot_mode mode,
                            keel_error **err)
{
  const struct image_manifest *m = im->manifest;
  struct bundle_layer *layers = calloc (m->n_layers + 1, sizeof (*layers));
  char **paths = calloc (m->n_layers + 1, sizeof (char *));
  int r = -1;

  if (layers == NULL || paths == NULL)
    {
      keel_err (err, ENOMEM, "unpack");
      goto out;
    }
  for (size_t i = 0; i < m->n_layers; i++)
    {
      if (!store_has_blob (s, m->layers[i].digest, m->layers[i].size))
        {
          /* image-spec layer.md "Non-Distributable Layers": fetched by pull when it can, never invented */
          keel_err (err, 0, "layer %zu (%s, %s) is not in the store", i + 1, m->layers[i].digest,
                    m->layers[i].media_type);
          goto out;
        }
      if (store_blob_path (s, m->layers[i].digest, &paths[i], err) < 0)
        goto out;
      layers[i].path = paths[i];
      layers[i].media_type = m->layers[i].media_type;
      layers[i].diff_id = i < im->config->n_diff_ids ? im->config->diff_ids[i] : NULL;
    }
  if (mode == SNAPSHOT_OFF)
    r = bundle_create (bundle, im->config, layers, m->n_layers, o, lo, err);
  else if (im->config->n_diff_ids != m->n_layers)
    r = keel_err (err, 0, "the image config lists %zu diff_ids for %zu layers", im->config->n_diff_ids, m->n_layers);
  else
    {
      struct snapshot_request req = { s, layers, m->n_layers, lo, mode };
      r = bundle_create_with (bundle, im->config, snapshot_fill_rootfs, &req, o, err);
    }
out:
  for (size_t i = 0; paths != NULL && i < m->n_layers; i++)
    free (paths[i]);
  free (paths);
  free (layers);
  return r;
}
