/* runtime: global options (runc's spellings) and dispatch to one cmd_<verb>.c per verb. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "runtime.h"
#include "runtime_state.h"
#include "selfexe.h"
#include "state_dir.h"

static const struct verb
{
  const char *name;
  runtime_verb_fn fn;
  const char *help;
} verbs[] = {
  { "create", cmd_create, "create a container" },
  { "start", cmd_start, "executes the user defined process in a created container" },
  { "run", cmd_run, "create and run a container" },
  { "state", cmd_state, "output the state of a container" },
  { "kill", cmd_kill, "send a signal (default: SIGTERM) to the container's init process" },
  { "delete", cmd_delete, "delete any resources held by the container" },
  { "list", cmd_list, "lists containers started with the given root" },
  { "exec", cmd_exec, "execute new process inside the container" },
  { "spec", cmd_spec, "create a new specification file" },
  { "features", cmd_features, "show the enabled features" },
  { "update", cmd_update, "update container resource constraints" },
  { "pause", cmd_pause, "pause suspends all processes inside the container" },
  { "resume", cmd_resume, "resumes all processes that have been previously paused" },
  { "ps", cmd_ps, "ps displays the processes running inside a container" },
  { "events", cmd_events, "display container events such as OOM notifications, cpu, memory, and IO usage statistics" },
};

static void usage (FILE *f)
{
  fprintf (f, "Usage: runtime [global options] command [command options] [arguments...]\n\n"
              "An OCI runtime with runc's command line.\n\nCommands:\n");
  for (size_t i = 0; i < sizeof (verbs) / sizeof (verbs[0]); i++)
    fprintf (f, "  %-10s %s\n", verbs[i].name, verbs[i].help);
  fprintf (f, "\nGlobal options:\n"
              "  --debug              enable debug logging\n"
              "  --log FILE           set the log file (default is stderr)\n"
              "  --log-format FORMAT  'text' (default) or 'json'\n"
              "  --root DIR           root directory for container state (default: /run/keel,\n"
              "                       $XDG_RUNTIME_DIR/keel when not root)\n"
              "  --systemd-cgroup     use the systemd cgroup driver (not available yet)\n"
              "  --rootless VALUE     true, false or auto (default: auto)\n"
              "  --criu PATH          accepted for runc compatibility (checkpointing is not offered)\n"
              "  --help, -h           show this help\n"
              "  --version, -v        print the version\n");
}

static void version (void)
{
  printf ("runtime version %s\n", PACKAGE_VERSION);
  printf ("spec: %s\n", KEEL_OCI_VERSION);
  printf ("features: namespaces(pid,net,mount,ipc,uts,cgroup,time,user) hooks(6) terminal console-socket "
          "cgroup-v1-devices libcap\n");
}

void runtime_verb_usage (const char *verb, const char *synopsis, const char *options)
{
  printf ("Usage: runtime %s %s\n%s%s", verb, synopsis, options != NULL && *options ? "\nOptions:\n" : "",
          options != NULL ? options : "");
}

int runtime_want_args (const char *verb, int argc, int optind_, int min, int max, const char *usage, keel_error **err)
{
  int n = argc - optind_;
  if (n < min || (max >= 0 && n > max))
    return keel_err (err, 0, "%s: %s (usage: runtime %s %s)", verb, n < min ? "missing argument" : "too many arguments",
                     verb, usage);
  return 0;
}

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD,
  OPT_ROOTLESS,
  OPT_CRIU,
};

static int parse_globals (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  static const struct option opts[] = {
    { "root", required_argument, NULL, OPT_ROOT },
    { "log", required_argument, NULL, OPT_LOG },
    { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
    { "debug", no_argument, NULL, OPT_DEBUG },
    { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
    { "rootless", required_argument, NULL, OPT_ROOTLESS },
    { "criu", required_argument, NULL, OPT_CRIU },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 },
  };
  const char *format = "text";
  int c;

  opterr = 0;
  while ((c = getopt_long (argc, argv, "+hv", opts, NULL)) != -1)
    switch (c)
      {
      case OPT_ROOT:
        free (g->root);
        g->root = strdup (optarg);
        break;
      case OPT_LOG:
        g->log_file = optarg;
        break;
      case OPT_LOG_FORMAT:
        format = optarg;
        break;
      case OPT_DEBUG:
        g->debug = true;
        break;
      case OPT_SYSTEMD:
        g->systemd_cgroup = true;
        break;
      case OPT_ROOTLESS:
        if (strcmp (optarg, "true") != 0 && strcmp (optarg, "false") != 0 && strcmp (optarg, "auto") != 0)
          return keel_err (err, 0, "--rootless: expected true, false or auto, got `%s`", optarg);
        g->rootless = optarg;
        break;
      case OPT_CRIU:
        break; /* accepted for runc compatibility; checkpointing is not offered */
      case 'h':
        usage (stdout);
        exit (0);
      case 'v':
        version ();
        exit (0);
      default:
        return keel_err (err, 0, "unknown global option `%s` (see runtime --help)", argv[optind - 1]);
      }
  if (strcmp (format, "text") == 0)
    g->log.format = LOG_FORMAT_TEXT;
  else if (strcmp (format, "json") == 0)
    g->log.format = LOG_FORMAT_JSON;
  else
    return keel_err (err, 0, "--log-format: expected text or json, got `%s`", format);
  if (g->debug)
    g->log.level = LOG_LEVEL_DEBUG;
  if (g->root == NULL && state_dir_default_root (&g->root, err) < 0)
    return -1;
  return log_open (&g->log, g->log_file, err);
}

static void on_sigpipe (int sig)
{
  (void)sig;
}

int main (int argc, char **argv)
{
  runtime_globals g = { .log = { .program = "runtime", .fd = STDERR_FILENO, .level = LOG_LEVEL_WARNING } };
  _cleanup_error_ keel_error *err = NULL;
  int status = 1;
  /* A closed stdout/stderr (`runtime --debug run … | head`) must be an EPIPE
   * we handle, not a death half-way through create or run that leaves the
   * container behind. A handler, not SIG_IGN: execve resets it, so neither
   * hooks nor the container inherit an ignored SIGPIPE. */
  struct sigaction pipe_sa = { .sa_handler = on_sigpipe };

  sigaction (SIGPIPE, &pipe_sa, NULL);

  if (parse_globals (&g, argc, argv, &err) < 0)
    {
      log_error (&g.log, err);
      return 1;
    }
  if (optind >= argc)
    {
      usage (stderr);
      return 1;
    }
  for (size_t i = 0; i < sizeof (verbs) / sizeof (verbs[0]); i++)
    if (strcmp (argv[optind], verbs[i].name) == 0)
      {
        int sub_argc = argc - optind;
        char **sub_argv = argv + optind;
        optind = 1; /* each verb runs its own getopt_long over its arguments */
        if (g.systemd_cgroup && strcmp (verbs[i].name, "spec") != 0 && strcmp (verbs[i].name, "features") != 0
            && strcmp (verbs[i].name, "state") != 0 && strcmp (verbs[i].name, "list") != 0)
          {
            keel_err (&err, 0, "%s: --systemd-cgroup: the systemd cgroup driver is not implemented yet", verbs[i].name);
            status = -1;
          }
        /* Verbs that put a runtime clone into a container first re-execute from a sealed copy (selfexe.h). */
        else if ((strcmp (verbs[i].name, "create") == 0 || strcmp (verbs[i].name, "run") == 0
                  || strcmp (verbs[i].name, "exec") == 0)
                 && selfexe_seal (argv, &err) < 0)
          status = -1;
        else
          status = verbs[i].fn (&g, sub_argc, sub_argv, &err);
        if (status < 0)
          {
            log_error (&g.log, err);
            /* As runc's fatal(): on stderr too when --log names a file; containerd's shim matches
             * "container not running" in the command's output (go-runc), not in the log. */
            if (g.log.fd != STDERR_FILENO && err != NULL && err->msg != NULL)
              fprintf (stderr, "%s\n", err->msg);
            status = 1;
          }
        free (g.root);
        return status;
      }
  if (strcmp (argv[optind], "help") == 0)
    {
      usage (stdout);
      return 0;
    }
  keel_err (&err, 0, "unknown command `%s` (see runtime --help)", argv[optind]);
  log_error (&g.log, err);
  free (g.root);
  return 1;
}
