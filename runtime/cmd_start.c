/* runtime start: release a created container's init so it execs the user process. */
#include "config.h"

#include <getopt.h>

#include "container.h"

int cmd_start (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  int c;

  while ((c = getopt_long (argc, argv, "+h", opts, NULL)) != -1)
    {
      if (c == 'h')
        {
          runtime_verb_usage ("start", "ID", "");
          return 0;
        }
      return keel_err (err, 0, "start: unknown option `%s`", argv[optind - 1]);
    }
  if (runtime_want_args ("start", argc, optind, 1, 1, "ID", err) < 0)
    return -1;
  if (container_start (g, argv[optind], err) < 0)
    return keel_err_prefix (err, "start %s", argv[optind]);
  return 0;
}
