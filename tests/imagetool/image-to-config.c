/* Test driver: image-to-config [FLAGS] IMAGECONFIG.json [ROOTFS] [-- ARGS...] prints the generated config.json;
 * with --bundle DIR the remaining operands are layer files and the whole bundle is created (bundle_create).
 * FLAGS are the ones `imagetool unpack` takes (unpack_flags_parse). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "unpack.h"

static int load_image_config (const char *path, struct image_config **out, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len;
  if (read_file (path, &buf, &len, err) < 0)
    return -1;
  return image_config_parse (path, buf, len, out, err);
}

static int print_config (struct unpack_flags *f, struct image_config *img, const char *rootfs, keel_error **err)
{
  _cleanup_close_ int rootfd = -1;
  _cleanup_free_ char *json = NULL;
  if (rootfs != NULL && (rootfd = open (rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return keel_err_errno (err, "open `%s`", rootfs);
  if (bundle_config_json (img, rootfd, &f->bundle, &json, err) < 0)
    return -1;
  printf ("%s\n", json);
  return 0;
}

/* Layers given as FILE or MEDIATYPE=FILE; diff_ids from the image config. */
static int make_bundle (struct unpack_flags *f, const char *bundle, struct image_config *img, char **files, size_t n,
                        keel_error **err)
{
  _cleanup_free_ struct bundle_layer *layers = calloc (n + 1, sizeof (*layers));
  if (layers == NULL)
    return keel_err (err, 12, "layers");
  for (size_t i = 0; i < n; i++)
    {
      char *eq = strchr (files[i], '=');
      layers[i].path = eq ? eq + 1 : files[i];
      if (eq != NULL)
        {
          *eq = '\0';
          layers[i].media_type = files[i];
        }
      layers[i].diff_id = i < img->n_diff_ids ? img->diff_ids[i] : NULL;
    }
  return bundle_create (bundle, img, layers, n, &f->bundle, &f->layer, err);
}

static int parse (int argc, char **argv, struct unpack_flags *f, const char **bundle, char **ops, size_t *n,
                  keel_error **err)
{
  for (int i = 1; i < argc; i++)
    {
      int r;
      if (strcmp (argv[i], "--") == 0)
        {
          unpack_flags_set_args (f, argv + i + 1); /* may be empty: then no Cmd */
          break;
        }
      if (strcmp (argv[i], "--bundle") == 0 && i + 1 < argc)
        {
          *bundle = argv[++i];
          continue;
        }
      if ((r = unpack_flags_parse (f, argc, argv, &i, err)) < 0)
        return -1;
      if (r == 1)
        continue;
      if (argv[i][0] == '-' && argv[i][1] != '\0')
        return keel_err (err, 0, "unknown option %s", argv[i]);
      ops[(*n)++] = argv[i];
    }
  return 0;
}

int main (int argc, char **argv)
{
  _cleanup_image_config_ struct image_config *img = NULL;
  _cleanup_free_ char **ops = calloc ((size_t)argc + 1, sizeof (char *));
  struct unpack_flags f;
  const char *bundle = NULL;
  size_t n = 0;
  keel_error *err = NULL;
  int r = -1;

  unpack_flags_init (&f);
  if (ops == NULL || parse (argc, argv, &f, &bundle, ops, &n, &err) < 0)
    goto out;
  if (n < 1)
    {
      fprintf (stderr, "usage: image-to-config [FLAGS] IMAGECONFIG.json [ROOTFS] [-- ARGS...]\n"
                       "       image-to-config [FLAGS] --bundle DIR IMAGECONFIG.json [MEDIATYPE=]LAYER...\n");
      unpack_flags_clear (&f);
      return 2;
    }
  if (load_image_config (ops[0], &img, &err) < 0)
    goto out;
  r = bundle ? make_bundle (&f, bundle, img, ops + 1, n - 1, &err)
             : print_config (&f, img, n > 1 ? ops[1] : NULL, &err);
out:
  unpack_flags_clear (&f);
  if (r < 0)
    {
      fprintf (stderr, "image-to-config: %s\n", err ? err->msg : "out of memory");
      keel_error_free (err);
      return 1;
    }
  return 0;
}
