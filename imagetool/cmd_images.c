/* imagetool images / inspect: what the store holds, as a table, JSON, or the raw documents. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "commands.h"
#include "image.h"
#include "json.h"
#include "reference.h"
#include "store.h"
#include "util.h"

/* What `images` shows for one ref. */
struct image_row
{
  const char *name;
  const struct image_descriptor *desc;
  char *platform;
  char *created;
  int64_t size; /* manifest + config + layers; for an index, the sum over its manifests */
};

static int manifest_summary (struct store *s, const struct image_descriptor *d, struct image_row *row, keel_error **err)
{
  _cleanup_free_ char *buf = NULL, *cbuf = NULL;
  _cleanup_image_manifest_ struct image_manifest *m = NULL;
  _cleanup_image_config_ struct image_config *c = NULL;
  struct image_platform p = { 0 };
  size_t len, clen;

  if (store_read_blob (s, d->digest, &buf, &len, err) < 0 || image_manifest_parse (d->digest, buf, len, &m, err) < 0)
    return -1;
  row->size += d->size + m->config.size;
  for (size_t i = 0; i < m->n_layers; i++)
    row->size += m->layers[i].size;
  if (store_read_blob (s, m->config.digest, &cbuf, &clen, err) < 0
      || image_config_parse (m->config.digest, cbuf, clen, &c, err) < 0)
    return -1;
  if (row->created == NULL && c->created != NULL)
    row->created = strdup (c->created);
  if (row->platform == NULL && image_config_platform (c, &p, err) == 0)
    {
      row->platform = image_platform_format (&p);
      image_platform_clear (&p);
    }
  return 0;
}

static int row_fill (struct store *s, struct image_row *row, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  _cleanup_image_index_ struct image_index *idx = NULL;
  size_t len;

  if (image_media_type_kind (row->desc->media_type) != IMAGE_KIND_INDEX)
    return manifest_summary (s, row->desc, row, err);
  if (store_read_blob (s, row->desc->digest, &buf, &len, err) < 0
      || image_index_parse (row->desc->digest, buf, len, &idx, err) < 0)
    return -1;
  row->size = row->desc->size;
  for (size_t i = 0; i < idx->n_manifests; i++)
    if (image_media_type_kind (idx->manifests[i].media_type) == IMAGE_KIND_MANIFEST
        && manifest_summary (s, &idx->manifests[i], row, err) < 0)
      return -1;
  free (row->platform);
  row->platform = strdup (idx->n_manifests > 1 ? "multi" : "");
  return 0;
}

static void print_row (yajl_gen g, const struct image_row *row)
{
  if (g != NULL)
    {
      yajl_gen_map_open (g);
      json_gen_kv_str (g, "ref", row->name);
      json_gen_kv_str (g, "digest", row->desc->digest);
      json_gen_kv_str (g, "mediaType", row->desc->media_type);
      json_gen_kv_str (g, "platform", row->platform);
      json_gen_kv_int (g, "size", row->size);
      json_gen_kv_str (g, "created", row->created);
      yajl_gen_map_close (g);
      return;
    }
  printf ("%-50s %-19.19s %-14s %10lld  %s\n", row->name, row->desc->digest, row->platform ? row->platform : "",
          (long long)row->size, row->created ? row->created : "");
}

int cmd_images (struct imagetool_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
  _cleanup_store_ struct store *s = NULL;
  _cleanup_image_index_ struct image_index *idx = NULL;
  _cleanup_json_gen_ yajl_gen g = NULL;
  _cleanup_free_ char *out = NULL;
  keel_error *err = NULL;
  bool json = false;
  int c;

  optind = 0;
  while ((c = getopt_long (argc, argv, "f:", opts, NULL)) != -1)
    {
      if (c != 'f')
        return cmd_usage (ctx, "images", "invalid option");
      if (strcmp (optarg, "json") != 0 && strcmp (optarg, "table") != 0)
        return cmd_usage (ctx, "images", "--format: expected table or json");
      json = strcmp (optarg, "json") == 0;
    }
  if (optind != argc)
    return cmd_usage (ctx, "images", "no arguments expected");
  if (store_open (ctx->store_dir, false, &s, &err) < 0 || store_load_index (s, &idx, &err) < 0)
    return cmd_fail (ctx, "images", err);
  if (json)
    {
      g = json_gen_new (true);
      yajl_gen_array_open (g);
    }
  else
    printf ("%-50s %-19s %-14s %10s  %s\n", "REFERENCE", "DIGEST", "PLATFORM", "SIZE", "CREATED");
  for (size_t i = 0; i < idx->n_manifests; i++)
    {
      struct image_row row = { .desc = &idx->manifests[i] };
      row.name = image_map_get (row.desc->annotations, IMAGE_ANNOTATION_REF_NAME);
      if (row.name == NULL)
        row.name = "<none>";
      if (row_fill (s, &row, &err) < 0)
        {
          free (row.platform);
          free (row.created);
          return cmd_fail (ctx, "images", err);
        }
      print_row (g, &row);
      free (row.platform);
      free (row.created);
    }
  if (json)
    {
      yajl_gen_array_close (g);
      if (json_gen_take (g, &out, NULL, &err) < 0)
        return cmd_fail (ctx, "images", err);
      printf ("%s\n", out);
    }
  return 0;
}
