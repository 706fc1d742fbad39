/* Test driver: apply-layers [OPTIONS] ROOTFS [LAYER-OPTIONS] LAYER... applies layers in order with libunpack. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "layer.h"

static int usage (void)
{
  fprintf (stderr, "usage: apply-layers [--max-size N] [--max-entry-size N] [--uid-map C:H:S] [--gid-map C:H:S]\n"
                   "                    [--rootless] ROOTFS [--diff-id D] [--media-type T] LAYER...\n"
                   "(options apply from where they appear; --diff-id and --media-type to the next LAYER only)\n");
  return 2;
}

static int fail (keel_error *err)
{
  fprintf (stderr, "apply-layers: %s\n", err ? err->msg : "out of memory");
  keel_error_free (err);
  return 1;
}

/* Options that take effect from where they appear; --diff-id and --media-type only for the next layer. */
static int parse_option (int argc, char **argv, int *i, struct layer_options *o, struct layer_id_map **uids,
                         struct layer_id_map **gids, keel_error **err)
{
  const char *opt = argv[*i], *val = *i + 1 < argc ? argv[*i + 1] : NULL;

  if (strcmp (opt, "--rootless") == 0)
    {
      o->rootless = true;
      return 0;
    }
  if (val == NULL)
    return keel_err (err, 0, "%s needs a value", opt);
  (*i)++;
  if (strcmp (opt, "--max-size") == 0)
    o->max_size = strtoull (val, NULL, 10);
  else if (strcmp (opt, "--max-entry-size") == 0)
    o->max_entry_size = strtoull (val, NULL, 10);
  else if (strcmp (opt, "--diff-id") == 0)
    o->diff_id = val;
  else if (strcmp (opt, "--media-type") == 0)
    o->media_type = val;
  else if (strcmp (opt, "--uid-map") == 0)
    return layer_id_map_parse (val, uids, &o->uid_map_len, err);
  else if (strcmp (opt, "--gid-map") == 0)
    return layer_id_map_parse (val, gids, &o->gid_map_len, err);
  else
    return keel_err (err, 0, "unknown option %s", opt);
  return 0;
}

static int open_rootfs (const char *path)
{
  if (mkdir (path, 0755) < 0 && errno != EEXIST)
    return -1;
  return open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int main (int argc, char **argv)
{
  _cleanup_free_ struct layer_id_map *uids = NULL, *gids = NULL;
  struct layer_options o = { 0 };
  keel_error *err = NULL;
  uint64_t consumed = 0;
  _cleanup_close_ int rootfd = -1;

  if (argc < 2)
    return usage ();
  for (int i = 1; i < argc; i++)
    {
      if (strncmp (argv[i], "--", 2) == 0)
        {
          if (parse_option (argc, argv, &i, &o, &uids, &gids, &err) < 0)
            return fail (err);
          o.uid_map = uids;
          o.gid_map = gids;
        }
      else if (rootfd < 0)
        {
          if ((rootfd = open_rootfs (argv[i])) < 0)
            {
              perror (argv[i]);
              return 1;
            }
        }
      else
        {
          if (layer_apply_file (rootfd, argv[i], &o, &consumed, &err) < 0)
            return fail (err);
          o.diff_id = o.media_type = NULL;
        }
    }
  return rootfd < 0 ? usage () : 0;
}
