/* Test driver: image-to-config [OPTIONS] IMAGECONFIG.json [ROOTFS] [-- ARGS...] prints the generated config.json;
 * with --bundle DIR the remaining operands are layer files and the whole bundle is created (bundle_create). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "cleanup.h"
#include "fsutil.h"

struct cli
{
  struct bundle_options o;
  struct layer_options lo;
  const char *bundle;
  char **entrypoint, **env, **args;
  size_t n_entrypoint, n_env;
};

static int push (char ***v, size_t *n, char *s)
{
  char **nv = realloc (*v, (*n + 2) * sizeof (char *));
  if (nv == NULL)
    return -1;
  nv[(*n)++] = s;
  nv[*n] = NULL;
  *v = nv;
  return 0;
}

static int parse_option (int argc, char **argv, int *i, struct cli *c, keel_error **err)
{
  const char *opt = argv[*i];
  char *val = *i + 1 < argc ? argv[*i + 1] : NULL;

  if (strcmp (opt, "--rootless") == 0)
    return c->o.rootless = c->lo.rootless = true, 0;
  if (strcmp (opt, "--tty") == 0)
    return c->o.tty = true, 0;
  if (strcmp (opt, "--read-only") == 0)
    return c->o.read_only = true, 0;
  if (val == NULL)
    return keel_err (err, 0, "%s needs a value", opt);
  (*i)++;
  if (strcmp (opt, "--hostname") == 0)
    c->o.hostname = val;
  else if (strcmp (opt, "--user") == 0)
    c->o.user = val;
  else if (strcmp (opt, "--workdir") == 0)
    c->o.workdir = val;
  else if (strcmp (opt, "--bundle") == 0)
    c->bundle = val;
  else if (strcmp (opt, "--max-size") == 0)
    c->lo.max_size = strtoull (val, NULL, 10);
  else if (strcmp (opt, "--volumes") == 0)
    return bundle_volumes_parse (val, &c->o, err);
  else if (strcmp (opt, "--entrypoint") == 0 || strcmp (opt, "-e") == 0)
    {
      bool ep = opt[2] == 'e';
      if (push (ep ? &c->entrypoint : &c->env, ep ? &c->n_entrypoint : &c->n_env, val) < 0)
        return keel_err (err, 12, "options");
    }
  else
    return keel_err (err, 0, "unknown option %s", opt);
  return 0;
}

static int load_image_config (const char *path, struct image_config **out, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len;
  if (read_file (path, &buf, &len, err) < 0)
    return -1;
  return image_config_parse (path, buf, len, out, err);
}

static int print_config (struct cli *c, struct image_config *img, const char *rootfs, keel_error **err)
{
  _cleanup_close_ int rootfd = -1;
  _cleanup_free_ char *json = NULL;
  if (rootfs != NULL && (rootfd = open (rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return keel_err_errno (err, "open `%s`", rootfs);
  if (bundle_config_json (img, rootfd, &c->o, &json, err) < 0)
    return -1;
  printf ("%s\n", json);
  return 0;
}

/* Layers given as FILE or MEDIATYPE=FILE; diff_ids from the image config. */
static int make_bundle (struct cli *c, struct image_config *img, char **files, size_t n, keel_error **err)
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
  return bundle_create (c->bundle, img, layers, n, &c->o, &c->lo, err);
}

int main (int argc, char **argv)
{
  struct cli c = { 0 };
  _cleanup_image_config_ struct image_config *img = NULL;
  _cleanup_free_ char **operands = NULL;
  size_t n_operands = 0;
  keel_error *err = NULL;
  int i, r;

  for (i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    {
      if (argv[i][0] == '-' && argv[i][1] != '\0')
        r = parse_option (argc, argv, &i, &c, &err);
      else
        r = push (&operands, &n_operands, argv[i]) < 0 ? keel_err (&err, 12, "operands") : 0;
      if (r < 0)
        goto fail;
    }
  if (i < argc)
    c.args = argv + i + 1; /* -- ARGS (may be empty: then no Cmd) */
  c.o.entrypoint = c.entrypoint;
  c.o.env = c.env;
  c.o.args = c.args;
  if (n_operands < 1)
    {
      fprintf (stderr, "usage: image-to-config [OPTIONS] IMAGECONFIG.json [ROOTFS] [-- ARGS...]\n"
                       "       image-to-config [OPTIONS] --bundle DIR IMAGECONFIG.json [MEDIATYPE=]LAYER...\n");
      return 2;
    }
  if (load_image_config (operands[0], &img, &err) < 0)
    goto fail;
  r = c.bundle ? make_bundle (&c, img, operands + 1, n_operands - 1, &err)
               : print_config (&c, img, n_operands > 1 ? operands[1] : NULL, &err);
  if (r < 0)
    goto fail;
  free (c.entrypoint);
  free (c.env);
  return 0;
fail:
  fprintf (stderr, "image-to-config: %s\n", err ? err->msg : "out of memory");
  keel_error_free (err);
  free (c.entrypoint);
  free (c.env);
  return 1;
}
