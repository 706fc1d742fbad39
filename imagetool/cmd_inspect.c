/* imagetool inspect: a stored image's manifest and config (or the raw bytes with --raw / --config). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "commands.h"
#include "fsutil.h"
#include "image.h"
#include "json.h"
#include "store.h"
#include "util.h"

/* Emit the stored blob DIGEST (JSON) under KEY. */
static int gen_blob (yajl_gen g, struct store *s, const char *key, const char *digest, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  _cleanup_json_ yajl_val v = NULL;
  size_t len;

  if (store_read_blob (s, digest, &buf, &len, err) < 0 || json_parse (digest, buf, len, &v, err) < 0)
    return -1;
  json_gen_key (g, key);
  json_gen_tree (g, v);
  return 0;
}

/* The config digest of the manifest DIGEST. */
static int config_of (struct store *s, const char *digest, char **out, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  _cleanup_image_manifest_ struct image_manifest *m = NULL;
  size_t len;

  if (store_read_blob (s, digest, &buf, &len, err) < 0 || image_manifest_parse (digest, buf, len, &m, err) < 0)
    return -1;
  *out = strdup (m->config.digest);
  return *out ? 0 : keel_err (err, ENOMEM, "inspect");
}

static int print_raw (struct store *s, const char *digest, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len;

  if (store_read_blob (s, digest, &buf, &len, err) < 0)
    return -1;
  return write_all (STDOUT_FILENO, buf, len) < 0 ? keel_err_errno (err, "write") : 0;
}

static int print_summary (struct store *s, const char *name, const struct image_descriptor *d, keel_error **err)
{
  _cleanup_json_gen_ yajl_gen g = json_gen_new (true);
  _cleanup_free_ char *cfg = NULL, *out = NULL, *plat = NULL;
  bool is_index = image_media_type_kind (d->media_type) == IMAGE_KIND_INDEX;

  yajl_gen_map_open (g);
  json_gen_kv_str (g, "Name", name);
  json_gen_kv_str (g, "Digest", d->digest);
  json_gen_kv_str (g, "MediaType", d->media_type);
  json_gen_kv_int (g, "Size", d->size);
  if (d->platform != NULL && (plat = image_platform_format (d->platform)) != NULL)
    json_gen_kv_str (g, "Platform", plat);
  if (gen_blob (g, s, is_index ? "Index" : "Manifest", d->digest, err) < 0)
    return -1;
  if (!is_index && (config_of (s, d->digest, &cfg, err) < 0 || gen_blob (g, s, "Config", cfg, err) < 0))
    return -1;
  yajl_gen_map_close (g);
  if (json_gen_take (g, &out, NULL, err) < 0)
    return -1;
  printf ("%s\n", out);
  return 0;
}

int cmd_inspect (struct imagetool_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[]
      = { { "raw", no_argument, NULL, 'r' }, { "config", no_argument, NULL, 'c' }, { NULL, 0, NULL, 0 } };
  _cleanup_store_ struct store *s = NULL;
  _cleanup_free_ char *name = NULL, *cfg = NULL;
  struct image_descriptor d = { 0 };
  keel_error *err = NULL;
  bool raw = false, config = false;
  int c, r;

  optind = 0;
  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    {
      if (c == 'r')
        raw = true;
      else if (c == 'c')
        config = true;
      else
        return cmd_usage (ctx, "inspect", "invalid option");
    }
  if (argc - optind != 1)
    return cmd_usage (ctx, "inspect", "expected one reference");
  if (store_open (ctx->store_dir, false, &s, &err) < 0 || cmd_resolve (s, argv[optind], &name, &d, &err) < 0)
    return cmd_fail (ctx, "inspect", err);
  if (config && image_media_type_kind (d.media_type) == IMAGE_KIND_INDEX)
    r = keel_err (&err, 0, "%s is an index: inspect one of its manifests for a config", name);
  else if (config)
    r = config_of (s, d.digest, &cfg, &err) < 0 ? -1 : print_raw (s, cfg, &err);
  else if (raw)
    r = print_raw (s, d.digest, &err);
  else
    r = print_summary (s, name, &d, &err);
  image_descriptor_clear (&d);
  return r < 0 ? cmd_fail (ctx, "inspect", err) : 0;
}
