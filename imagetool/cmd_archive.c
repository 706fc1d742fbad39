/* imagetool import / export: move images between machines as files (docker-archive, oci-archive). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "commands.h"
#include "image_archive.h"
#include "store.h"

int cmd_import (struct imagetool_ctx *ctx, int argc, char **argv)
{
  _cleanup_store_ struct store *s = NULL;
  _cleanup_strv_ char **names = NULL;
  keel_error *err = NULL;
  int i = 1;

  if (i < argc && strcmp (argv[i], "--") == 0)
    i++;
  if (argc - i < 1 || argc - i > 2)
    return cmd_usage (ctx, "import", "expected FILE [REF]");
  if (store_open (ctx->store_dir, true, &s, &err) < 0
      || image_archive_import (s, argv[i], argc - i == 2 ? argv[i + 1] : NULL, &names, &err) < 0)
    return cmd_fail (ctx, "import", err);
  for (char **n = names; *n != NULL; n++)
    printf ("%s\n", *n);
  return 0;
}

int cmd_export (struct imagetool_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
                                        { "platform", required_argument, NULL, 'p' },
                                        { NULL, 0, NULL, 0 } };
  _cleanup_store_ struct store *s = NULL;
  _cleanup_free_ char *name = NULL;
  struct image_descriptor desc = { 0 };
  struct image_platform want = { 0 };
  enum image_archive_format fmt = IMAGE_ARCHIVE_OCI;
  bool have_platform = false;
  keel_error *err = NULL;
  int c, r;

  optind = 1;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "+f:", opts, NULL)) != -1)
    switch (c)
      {
      case 'f':
        if (image_archive_format_parse (optarg, &fmt, &err) < 0)
          return cmd_fail (ctx, "export", err);
        break;
      case 'p':
        image_platform_clear (&want);
        if (image_platform_parse (optarg, &want, &err) < 0)
          return cmd_fail (ctx, "export", err);
        have_platform = true;
        break;
      default:
        image_platform_clear (&want);
        return cmd_usage (ctx, "export", "unknown option");
      }
  if (argc - optind != 2)
    {
      image_platform_clear (&want);
      return cmd_usage (ctx, "export", "expected REF FILE");
    }
  r = store_open (ctx->store_dir, false, &s, &err);
  if (r == 0)
    r = cmd_resolve (s, argv[optind], &name, &desc, &err);
  if (r == 0)
    r = image_archive_export (s, name, &desc, have_platform ? &want : NULL, fmt, argv[optind + 1], &err);
  image_descriptor_clear (&desc);
  image_platform_clear (&want);
  return r < 0 ? cmd_fail (ctx, "export", err) : 0;
}
