/* runtime delete: remove a stopped (or, with --force, any) container and everything it held. */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "cleanup.h"
#include "container.h"

int cmd_delete (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  static const struct option opts[] = {
    { "force", no_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  _cleanup_runtime_state_ runtime_state *st = NULL;
  bool force = false;
  state_dir sd;
  int c, r;

  while ((c = getopt_long (argc, argv, "+fh", opts, NULL)) != -1)
    switch (c)
      {
      case 'f':
        force = true;
        break;
      case 'h':
        runtime_verb_usage ("delete", "[-f|--force] ID", "  -f, --force  kill the container first if it is running\n");
        return 0;
      default:
        return keel_err (err, 0, "delete: unknown option `%s`", argv[optind - 1]);
      }
  if (runtime_want_args ("delete", argc, optind, 1, 1, "[-f|--force] ID", err) < 0)
    return -1;
  if (container_load (g, argv[optind], &sd, &st, err) < 0)
    {
      /* runc: delete --force of a container that does not exist succeeds. */
      if (force && strstr ((*err)->msg, "does not exist") != NULL)
        {
          keel_error_freep (err);
          /* what a create killed before publishing its state dir left */
          state_dir_sweep_stale (g->root, argv[optind]);
          return 0;
        }
      return keel_err_prefix (err, "delete %s", argv[optind]);
    }
  r = container_destroy (g, &sd, st, force, err);
  state_dir_close (&sd);
  return r < 0 ? keel_err_prefix (err, "delete %s", argv[optind]) : 0;
}
