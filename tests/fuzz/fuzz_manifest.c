/* libFuzzer target: image index, manifest, image config and oci-layout parsing, with emit → parse round trips. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "image.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Whatever keel emits must parse again: abort (a crash for libFuzzer) otherwise. */
static void reparse_manifest (const struct image_manifest *m)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_free_ char *out = NULL;
  _cleanup_image_manifest_ struct image_manifest *back = NULL;
  size_t len;

  if (image_manifest_to_json (m, &out, &len, &err) < 0 || image_manifest_parse ("emitted", out, len, &back, &err) < 0
      || back->n_layers != m->n_layers)
    abort ();
}

static void reparse_index (const struct image_index *idx)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_free_ char *out = NULL;
  _cleanup_image_index_ struct image_index *back = NULL;
  size_t len;

  if (image_index_to_json (idx, &out, &len, &err) < 0 || image_index_parse ("emitted", out, len, &back, &err) < 0
      || back->n_manifests != idx->n_manifests)
    abort ();
}

static void reparse_config (const struct image_config *c)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_free_ char *out = NULL;
  _cleanup_image_config_ struct image_config *back = NULL;
  size_t len;

  if (image_config_to_json (c, &out, &len, &err) < 0 || image_config_parse ("emitted", out, len, &back, &err) < 0
      || back->n_diff_ids != c->n_diff_ids)
    abort ();
}

static void select_platforms (const struct image_index *idx)
{
  static const char *wanted[] = { "linux/amd64", "linux/arm64", "linux/arm/v6", "linux/386" };

  for (size_t i = 0; i < sizeof (wanted) / sizeof (wanted[0]); i++)
    {
      _cleanup_error_ keel_error *err = NULL;
      struct image_platform p;
      size_t chosen = 0;
      if (image_platform_parse (wanted[i], &p, &err) < 0)
        abort ();
      if (image_index_select (idx, "fuzz", &p, &chosen, &err) == 0 && chosen >= idx->n_manifests)
        abort ();
      image_platform_clear (&p);
    }
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *buf = (const char *)data;
  struct image_manifest *m = NULL;
  struct image_index *idx = NULL;
  struct image_config *c = NULL;
  keel_error *err = NULL;

  image_document_kind (NULL, buf, size);
  if (image_manifest_parse ("fuzz", buf, size, &m, &err) == 0)
    reparse_manifest (m);
  keel_error_freep (&err);
  if (image_index_parse ("fuzz", buf, size, &idx, &err) == 0)
    {
      reparse_index (idx);
      select_platforms (idx);
    }
  keel_error_freep (&err);
  if (image_config_parse ("fuzz", buf, size, &c, &err) == 0)
    {
      struct image_platform p;
      reparse_config (c);
      if (image_config_platform (c, &p, NULL) == 0)
        image_platform_clear (&p);
    }
  keel_error_freep (&err);
  image_layout_check ("fuzz", buf, size, &err);
  keel_error_freep (&err);
  image_manifest_free (m);
  image_index_free (idx);
  image_config_free (c);
  return 0;
}
