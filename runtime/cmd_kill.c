/* runtime kill: send a signal to the container's init (or all its processes with --all). */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"

/* Whether a stopped container's cgroup (its first path) still exists. */
static bool cgroup_left (char **paths)
{
  return paths != NULL && paths[0] != NULL && access (paths[0], F_OK) == 0;
}

int cmd_kill (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  static const struct option opts[] = {
    { "all", no_argument, NULL, 'a' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  _cleanup_runtime_state_ runtime_state *st = NULL;
  bool all = false;
  int c, sig = SIGTERM, r;
  state_dir sd;
  const char *id;

  while ((c = getopt_long (argc, argv, "+ah", opts, NULL)) != -1)
    switch (c)
      {
      case 'a':
        all = true;
        break;
      case 'h':
        runtime_verb_usage ("kill", "[-a|--all] ID [SIGNAL]",
                            "  -a, --all  send the signal to all processes in the container\n");
        return 0;
      default:
        return keel_err (err, 0, "kill: unknown option `%s`", argv[optind - 1]);
      }
  if (runtime_want_args ("kill", argc, optind, 1, 2, "[-a|--all] ID [SIGNAL]", err) < 0)
    return -1;
  id = argv[optind];
  if (argc - optind == 2 && signal_parse (argv[optind + 1], &sig) < 0)
    return keel_err (err, 0, "kill %s: unknown signal `%s`", id, argv[optind + 1]);
  if (container_load (g, id, &sd, &st, err) < 0)
    return keel_err_prefix (err, "kill %s", id);
  /* runtime.md "kill": an error unless the container is created or running
   * (paused is running, frozen: runc signals it too). With --all, runc
   * signals what is left in a stopped container's cgroup (processes that
   * outlived the init, as in a pod sharing a pid namespace) and succeeds
   * once the cgroup is gone: containerd's shim relies on that. */
  if (all && strcmp (st->status, "stopped") == 0)
    r = cgroup_left (st->cgroup_paths) && container_signal (st, sig, true, err) < 0
            ? keel_err_prefix (err, "kill %s", id)
            : 0;
  else if (strcmp (st->status, "created") != 0 && strcmp (st->status, "running") != 0
           && strcmp (st->status, "paused") != 0)
    /* "container not running" is what containerd's shim matches to treat this as not found. */
    r = keel_err (err, 0, "kill %s: container not running (it is %s)", id, st->status);
  else
    r = container_signal (st, sig, all, err) < 0 ? keel_err_prefix (err, "kill %s", id) : 0;
  state_dir_close (&sd);
  return r;
}
