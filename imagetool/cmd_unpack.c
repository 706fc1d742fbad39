/* imagetool unpack REF BUNDLE: a stored image → OCI bundle (libunpack), and the pieces `pull` and `config` share. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "commands.h"
#include "store.h"
#include "unpack.h"

void cmd_unpack_flags_help (FILE *out)
{
  fputs ("options for the bundle (pull REF BUNDLE, unpack, config):\n"
         "  --platform OS/ARCH[/VARIANT]  the image of an index to use (default: this host)\n"
         "  --entrypoint CMD              replace Entrypoint (repeat for more words; drops Cmd)\n"
         "  -- ARGS...                    replace Cmd\n"
         "  -e, --env NAME[=VALUE]        set an environment variable (NAME alone: from ours)\n"
         "  -u, --user USER[:GROUP]       replace Config.User\n"
         "  -w, --workdir DIR             replace Config.WorkingDir\n"
         "  -t, --tty                     process.terminal\n"
         "  --hostname NAME               the container's hostname\n"
         "  --read-only                   a read-only root filesystem\n"
         "  --rootless                    a bundle `runtime` runs unprivileged (default when not root)\n"
         "  --volumes bundle|tmpfs|bind:DIR|none  Config.Volumes (default: bundle, seeded from the image)\n"
         "  --max-size BYTES              bound on the decompressed layers (suffixes K, M, G)\n"
         "  --uid-map C:H:S, --gid-map C:H:S  shift file owners while unpacking\n"
         "  --snapshot[=MODE]             keep the extracted image in the store (.keel/snapshots) and copy\n"
         "                                bundles from it; MODE: auto (reflink where the filesystem can, else\n"
         "                                a full copy; the default MODE), reflink, copy, or hardlink (fastest:\n"
         "                                the bundle SHARES its files with the snapshot, see imagetool(1))\n"
         "  --no-snapshot                 apply the layers into the bundle (the default)\n",
         out);
}

int cmd_unpack_parse (struct unpack_flags *f, int argc, char **argv, char **ops, size_t max_ops, size_t *n_ops,
                      keel_error **err)
{
  int r;

  *n_ops = 0;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        {
          unpack_flags_set_args (f, argv + i + 1);
          return 0;
        }
      if ((r = unpack_flags_parse (f, argc, argv, &i, err)) < 0)
        return -1;
      if (r == 1)
        continue;
      if (argv[i][0] == '-' && argv[i][1] != '\0')
        return keel_err (err, 0, "unknown option %s", argv[i]);
      if (*n_ops == max_ops)
        return keel_err (err, 0, "unexpected operand \"%s\"", argv[i]);
      ops[(*n_ops)++] = argv[i];
    }
  return 0;
}

int cmd_unpack_desc (struct imagetool_ctx *ctx, struct store *s, const struct image_descriptor *desc,
                     const struct image_platform *want, const char *bundle, struct unpack_flags *f, keel_error **err)
{
  struct unpack_image im;
  int r;

  f->layer.log = &ctx->log;
  if (unpack_load (s, desc, want, &im, err) < 0)
    return -1;
  if (bundle != NULL)
    r = unpack_bundle_snapshot (s, &im, bundle, &f->bundle, &f->layer, f->snapshot, err);
  else
    {
      _cleanup_free_ char *json = NULL;
      /* no rootfs: a user name cannot be looked up (bundle_make_config says so) */
      r = bundle_config_json (im.config, -1, &f->bundle, &json, err);
      if (r == 0)
        printf ("%s\n", json);
    }
  unpack_image_clear (&im);
  return r;
}

/* REF from the store into BUNDLE, or its config.json on stdout when BUNDLE is NULL. */
static int unpack_ref (struct imagetool_ctx *ctx, const char *ref, const char *bundle, struct unpack_flags *f,
                       keel_error **err)
{
  _cleanup_store_ struct store *s = NULL;
  _cleanup_free_ char *name = NULL;
  struct image_descriptor desc = { 0 };
  struct image_platform want = { 0 };
  int r;

  /* unpacking holds the store as a writer: the gc lock keeps the blobs being read */
  if (store_open (ctx->store_dir, bundle != NULL, &s, err) < 0 || cmd_resolve (s, ref, &name, &desc, err) < 0)
    return -1;
  if (f->platform != NULL && image_platform_parse (f->platform, &want, err) < 0)
    r = keel_err_prefix (err, "--platform");
  else
    r = cmd_unpack_desc (ctx, s, &desc, f->platform ? &want : NULL, bundle, f, err);
  if (r < 0)
    keel_err_prefix (err, "%s", name);
  image_descriptor_clear (&desc);
  image_platform_clear (&want);
  return r;
}

int cmd_unpack_verb (struct imagetool_ctx *ctx, int argc, char **argv, bool print)
{
  const char *verb = print ? "config" : "unpack";
  size_t want = print ? 1 : 2, n;
  struct unpack_flags f;
  keel_error *err = NULL;
  char *ops[2];
  int r;

  unpack_flags_init (&f);
  r = cmd_unpack_parse (&f, argc, argv, ops, want, &n, &err);
  if (r == 0 && n != want)
    {
      unpack_flags_clear (&f);
      return cmd_usage (ctx, verb, print ? "expected REF" : "expected REF BUNDLE");
    }
  if (r == 0)
    r = unpack_ref (ctx, ops[0], print ? NULL : ops[1], &f, &err);
  unpack_flags_clear (&f);
  return r < 0 ? cmd_fail (ctx, verb, err) : 0;
}

int cmd_unpack (struct imagetool_ctx *ctx, int argc, char **argv)
{
  return cmd_unpack_verb (ctx, argc, argv, false);
}
