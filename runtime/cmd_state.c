/* runtime state: print a container's state (runtime.md "State") as JSON. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cleanup.h"
#include "container.h"

int cmd_state (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  _cleanup_runtime_state_ runtime_state *st = NULL;
  _cleanup_free_ char *json = NULL;
  state_dir sd;
  int c;

  while ((c = getopt_long (argc, argv, "+h", opts, NULL)) != -1)
    {
      if (c == 'h')
        {
          runtime_verb_usage ("state", "ID", "");
          return 0;
        }
      return keel_err (err, 0, "state: unknown option `%s`", argv[optind - 1]);
    }
  if (runtime_want_args ("state", argc, optind, 1, 1, "ID", err) < 0)
    return -1;
  if (container_peek (g, argv[optind], &sd, &st, err) < 0)
    return keel_err_prefix (err, "state %s", argv[optind]);
  state_dir_close (&sd);
  /* runtime.md "State": no pid once the container is stopped. */
  if (st->status[0] == 's')
    st->pid = 0;
  if (container_state_json (st, &json, err) < 0)
    return keel_err_prefix (err, "state %s", argv[optind]);
  printf ("%s\n", json);
  return 0;
}
