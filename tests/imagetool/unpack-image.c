/* Test driver: unpack-image [FLAGS] LAYOUT REFNAME (BUNDLE | --print-config) [-- ARGS...]: libunpack's store path
 * (unpack_load, unpack_bundle, unpack_flags_*) on an OCI layout, as `imagetool unpack`/`config` will run it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "store.h"
#include "unpack.h"

static int run (struct unpack_flags *f, char **ops, size_t n, bool print, keel_error **err)
{
  _cleanup_store_ struct store *s = NULL;
  struct image_descriptor desc = { 0 };
  struct image_platform want = { 0 };
  struct unpack_image im;
  int r;

  if (n != (print ? 2u : 3u))
    return keel_err (err, 0, "usage: unpack-image [FLAGS] LAYOUT REFNAME (BUNDLE | --print-config) [-- ARGS...]");
  if (store_open (ops[0], false, &s, err) < 0)
    return -1;
  if ((r = store_find_ref (s, ops[1], &desc, err)) <= 0)
    return r < 0 ? -1 : keel_err (err, 0, "no ref \"%s\"", ops[1]);
  if (f->platform != NULL && image_platform_parse (f->platform, &want, err) < 0)
    r = -1;
  else
    r = unpack_load (s, &desc, f->platform ? &want : NULL, &im, err);
  image_descriptor_clear (&desc);
  image_platform_clear (&want);
  if (r < 0)
    return -1;
  if (print)
    {
      _cleanup_free_ char *json = NULL;
      r = bundle_config_json (im.config, -1, &f->bundle, &json, err);
      if (r == 0)
        printf ("%s\n", json);
    }
  else
    r = unpack_bundle (s, &im, ops[2], &f->bundle, &f->layer, err);
  unpack_image_clear (&im);
  return r;
}

int main (int argc, char **argv)
{
  struct unpack_flags f;
  char *ops[4];
  size_t n = 0;
  bool print = false;
  keel_error *err = NULL;
  int i, r = 0;

  unpack_flags_init (&f);
  for (i = 1; i < argc && r >= 0; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        {
          unpack_flags_set_args (&f, argv + i + 1);
          break;
        }
      if (strcmp (argv[i], "--print-config") == 0)
        print = true;
      else if ((r = unpack_flags_parse (&f, argc, argv, &i, &err)) == 0)
        {
          if (argv[i][0] == '-' || n == 4)
            r = keel_err (&err, 0, "unknown option or extra operand %s", argv[i]);
          else
            ops[n++] = argv[i];
        }
    }
  if (r >= 0)
    r = run (&f, ops, n, print, &err);
  unpack_flags_clear (&f);
  if (r < 0)
    {
      fprintf (stderr, "unpack-image: %s\n", err ? err->msg : "out of memory");
      keel_error_free (err);
      return 1;
    }
  return 0;
}
