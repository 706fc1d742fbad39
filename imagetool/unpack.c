/* A stored image → OCI bundle or config.json: the store side of `imagetool unpack|pull REF BUNDLE|config REF`. */
#include "config.h"
#include "unpack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
  r = bundle_create (bundle, im->config, layers, m->n_layers, o, lo, err);
out:
  for (size_t i = 0; paths != NULL && i < m->n_layers; i++)
    free (paths[i]);
  free (paths);
  free (layers);
  return r;
}

/* ---- shared CLI flags ---- */

void unpack_flags_init (struct unpack_flags *f)
{
  memset (f, 0, sizeof (*f));
  f->bundle.rootless = f->layer.rootless = geteuid () != 0;
}

static int push (char ***v, const char *s, keel_error **err)
{
  size_t n = 0;
  char **nv;
  while (*v != NULL && (*v)[n] != NULL)
    n++;
  if ((nv = realloc (*v, (n + 2) * sizeof (char *))) == NULL)
    return keel_err (err, ENOMEM, "options");
  nv[n] = (char *)s; /* points into argv */
  nv[n + 1] = NULL;
  *v = nv;
  return 0;
}

static int parse_size (const char *s, uint64_t *out, keel_error **err)
{
  char *end;
  errno = 0;
  *out = strtoull (s, &end, 10);
  if (errno != 0 || end == s || *s == '-')
    return keel_err (err, 0, "invalid size \"%s\"", s);
  switch (*end)
    {
    case 'G':
      *out <<= 10; /* fall through */
    case 'M':
      *out <<= 10; /* fall through */
    case 'K':
      *out <<= 10;
      end++;
      break;
    default:
      break;
    }
  return *end == '\0' ? 0 : keel_err (err, 0, "invalid size \"%s\": expected BYTES[K|M|G]", s);
}

/* Options that take a value; set *VAL from "--opt=V" or the next word. */
static bool matches (const char *arg, const char *name, const char *shortname, int argc, char **argv, int *i,
                     const char **val, keel_error **err, int *bad)
{
  size_t n = strlen (name);
  if (strncmp (arg, name, n) == 0 && arg[n] == '=')
    {
      *val = arg + n + 1;
      return true;
    }
  if (strcmp (arg, name) != 0 && (shortname == NULL || strcmp (arg, shortname) != 0))
    return false;
  if (*i + 1 >= argc)
    {
      *bad = keel_err (err, 0, "%s needs a value", name);
      return true;
    }
  *val = argv[++*i];
  return true;
}

static int set_flag (struct unpack_flags *f, const char *name, const char *v, keel_error **err)
{
  if (strcmp (name, "--hostname") == 0)
    f->bundle.hostname = v;
  else if (strcmp (name, "--user") == 0)
    f->bundle.user = v;
  else if (strcmp (name, "--workdir") == 0)
    f->bundle.workdir = v;
  else if (strcmp (name, "--platform") == 0)
    f->platform = v;
  else if (strcmp (name, "--volumes") == 0)
    return bundle_volumes_parse (v, &f->bundle, err);
  else if (strcmp (name, "--max-size") == 0)
    return parse_size (v, &f->layer.max_size, err);
  else if (strcmp (name, "--env") == 0)
    return push (&f->env, v, err) < 0 ? -1 : (f->bundle.env = f->env, 0);
  else if (strcmp (name, "--entrypoint") == 0)
    return push (&f->entrypoint, v, err) < 0 ? -1 : (f->bundle.entrypoint = f->entrypoint, 0);
  else if (strcmp (name, "--uid-map") == 0)
    return layer_id_map_parse (v, &f->uid_map, &f->layer.uid_map_len, err) < 0 ? -1
                                                                               : (f->layer.uid_map = f->uid_map, 0);
  else if (strcmp (name, "--gid-map") == 0)
    return layer_id_map_parse (v, &f->gid_map, &f->layer.gid_map_len, err) < 0 ? -1
                                                                               : (f->layer.gid_map = f->gid_map, 0);
  return 0;
}

int unpack_flags_parse (struct unpack_flags *f, int argc, char **argv, int *i, keel_error **err)
{
  static const char *const valued[][2] = {
    { "--hostname", NULL },   { "--user", "-u" },     { "--workdir", "-w" },  { "--env", "-e" },
    { "--entrypoint", NULL }, { "--volumes", NULL },  { "--max-size", NULL }, { "--uid-map", NULL },
    { "--gid-map", NULL },    { "--platform", NULL },
  };
  const char *arg = argv[*i], *val = NULL;
  int bad = 0;

  if (strcmp (arg, "--rootless") == 0)
    return f->bundle.rootless = f->layer.rootless = true, 1;
  if (strcmp (arg, "--tty") == 0 || strcmp (arg, "-t") == 0)
    return f->bundle.tty = true, 1;
  if (strcmp (arg, "--read-only") == 0)
    return f->bundle.read_only = true, 1;
  for (size_t k = 0; k < sizeof (valued) / sizeof (valued[0]); k++)
    if (matches (arg, valued[k][0], valued[k][1], argc, argv, i, &val, err, &bad))
      {
        if (bad < 0 || set_flag (f, valued[k][0], val, err) < 0)
          return -1;
        return 1;
      }
  return 0;
}

void unpack_flags_set_args (struct unpack_flags *f, char **args)
{
  f->bundle.args = args;
}

void unpack_flags_clear (struct unpack_flags *f)
{
  free (f->entrypoint);
  free (f->env);
  free (f->uid_map);
  free (f->gid_map);
  memset (f, 0, sizeof (*f));
}
