/* imagetool tag / rm: names in index.json (blobs stay until gc). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "commands.h"
#include "digest.h"
#include "image.h"
#include "reference.h"
#include "store.h"

/* A digest given alone names the stored entry with that digest. */
static int resolve_digest (struct store *s, const char *arg, char **name, struct image_descriptor *desc,
                           keel_error **err)
{
  _cleanup_image_index_ struct image_index *idx = NULL;

  if (store_load_index (s, &idx, err) < 0)
    return -1;
  for (size_t i = 0; i < idx->n_manifests; i++)
    if (strcmp (idx->manifests[i].digest, arg) == 0)
      {
        const char *n = image_map_get (idx->manifests[i].annotations, IMAGE_ANNOTATION_REF_NAME);
        *name = strdup (n ? n : arg);
        if (*name == NULL)
          return keel_err (err, ENOMEM, "resolve");
        return image_descriptor_copy (desc, &idx->manifests[i], err);
      }
  return keel_err (err, 0, "no image \"%s\" in the store (`imagetool images` lists them)", arg);
}

int cmd_resolve (struct store *s, const char *arg, char **name, struct image_descriptor *desc, keel_error **err)
{
  struct reference ref;
  int r;

  if (strchr (arg, ':') != NULL && digest_grammar_valid (arg) && strchr (arg, '/') == NULL && strchr (arg, '@') == NULL
      && strncmp (arg, "sha", 3) == 0)
    return resolve_digest (s, arg, name, desc, err);
  if (reference_parse (arg, &ref, err) < 0)
    return -1;
  *name = reference_string (&ref);
  reference_clear (&ref);
  if (*name == NULL)
    return keel_err (err, ENOMEM, "resolve");
  r = store_find_ref (s, *name, desc, err);
  if (r == 0)
    keel_err (err, 0, "no image \"%s\" in the store: run `imagetool pull %s` first", *name, *name);
  if (r <= 0)
    {
      free (*name);
      *name = NULL;
      return -1;
    }
  return 0;
}

int cmd_tag (struct imagetool_ctx *ctx, int argc, char **argv)
{
  _cleanup_store_ struct store *s = NULL;
  _cleanup_free_ char *src = NULL, *dst = NULL;
  struct image_descriptor desc = { 0 };
  struct reference ref;
  keel_error *err = NULL;
  int r;

  if (argc != 3)
    return cmd_usage (ctx, "tag", "expected SRC DST");
  if (reference_parse (argv[2], &ref, &err) < 0)
    return cmd_fail (ctx, "tag", err);
  dst = reference_string (&ref);
  reference_clear (&ref);
  if (dst == NULL)
    return cmd_fail (ctx, "tag", (keel_err (&err, ENOMEM, "tag"), err));
  if (store_open (ctx->store_dir, true, &s, &err) < 0 || cmd_resolve (s, argv[1], &src, &desc, &err) < 0)
    return cmd_fail (ctx, "tag", err);
  r = store_set_ref (s, dst, &desc, &err);
  image_descriptor_clear (&desc);
  return r < 0 ? cmd_fail (ctx, "tag", err) : 0;
}

int cmd_rm (struct imagetool_ctx *ctx, int argc, char **argv)
{
  _cleanup_store_ struct store *s = NULL;
  keel_error *err = NULL;
  int ret = 0;

  if (argc < 2)
    return cmd_usage (ctx, "rm", "expected at least one reference");
  if (store_open (ctx->store_dir, true, &s, &err) < 0)
    return cmd_fail (ctx, "rm", err);
  for (int i = 1; i < argc; i++)
    {
      _cleanup_free_ char *name = NULL;
      struct image_descriptor desc = { 0 };
      if (cmd_resolve (s, argv[i], &name, &desc, &err) < 0 || store_remove_ref (s, name, &err) < 0)
        {
          ret = cmd_fail (ctx, "rm", err);
          err = NULL;
        }
      else
        printf ("%s\n", name);
      image_descriptor_clear (&desc);
    }
  return ret;
}
