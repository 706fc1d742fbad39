/* runtime pause / resume: freeze and thaw every process of a running container (v1 freezer or v2 cgroup.freeze). */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "cgroup.h"
#include "cleanup.h"
#include "container.h"

/* Shared by both verbs: parse, load (locked), check the state, freeze or thaw. */
static int freeze_verb (runtime_globals *g, int argc, char **argv, bool freeze, keel_error **err)
{
  static const struct option opts[] = {
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *verb = freeze ? "pause" : "resume";
  _cleanup_runtime_state_ runtime_state *st = NULL;
  state_dir sd;
  int c, r;

  while ((c = getopt_long (argc, argv, "+h", opts, NULL)) != -1)
    switch (c)
      {
      case 'h':
        runtime_verb_usage (verb, "ID",
                            freeze ? "  -h, --help  show this help\n\nFreezes every process of a running container.\n"
                                   : "  -h, --help  show this help\n\nThaws every process of a paused container.\n");
        return 0;
      default:
        return keel_err (err, 0, "%s: unknown option `%s`", verb, argv[optind - 1]);
      }
  if (runtime_want_args (verb, argc, optind, 1, 1, "ID", err) < 0)
    return -1;
  if (container_load (g, argv[optind], &sd, &st, err) < 0)
    return keel_err_prefix (err, "%s %s", verb, argv[optind]);
  /* runc: only a running container can be paused, only a paused one resumed. */
  if (strcmp (st->status, freeze ? "running" : "paused") != 0)
    r = keel_err (err, 0, "container is %s, not %s", st->status, freeze ? "running" : "paused");
  else
    r = cgroup_freeze (st->cgroup_paths, freeze, err);
  state_dir_close (&sd);
  return r < 0 ? keel_err_prefix (err, "%s %s", verb, argv[optind]) : 0;
}

int cmd_pause (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  return freeze_verb (g, argc, argv, true, err);
}

int cmd_resume (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  return freeze_verb (g, argc, argv, false, err);
}
