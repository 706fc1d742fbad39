/* runtime ps: the container's processes, as pids in JSON (containerd's shim) or ps(1) lines filtered to its cgroup. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "container.h"

extern char **environ;

static const char usage_synopsis[] = "[-f|--format table|json] ID [-- PS_ARGS...]";

static void print_json (const pid_t *pids, size_t n)
{
  /* runc prints the pid list as one JSON array; containerd parses it. */
  printf ("[");
  for (size_t i = 0; i < n; i++)
    printf ("%s%d", i > 0 ? "," : "", (int)pids[i]);
  printf ("]\n");
}

/* Run ps(1) with ARGS and collect its standard output. */
static int run_ps (char **args, char **out, keel_error **err)
{
  int fds[2], status;
  pid_t pid;
  posix_spawn_file_actions_t fa;
  size_t len = 0;
  FILE *mem = open_memstream (out, &len);

  if (mem == NULL || pipe2 (fds, O_CLOEXEC) < 0)
    return keel_err_errno (err, "ps");
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, fds[1], STDOUT_FILENO);
  errno = posix_spawnp (&pid, "ps", &fa, NULL, args, environ);
  posix_spawn_file_actions_destroy (&fa);
  close (fds[1]);
  if (errno != 0)
    {
      close (fds[0]);
      fclose (mem);
      return keel_err_errno (err, "run ps");
    }
  char buf[4096];
  for (ssize_t n; (n = read (fds[0], buf, sizeof (buf))) != 0;)
    if (n > 0)
      fwrite (buf, 1, (size_t)n, mem);
    else if (errno != EINTR)
      break;
  close (fds[0]);
  fclose (mem);
  if (waitpid (pid, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return keel_err (err, 0, "ps %s failed (exit status %d)", args[1] != NULL ? args[1] : "",
                     WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  return 0;
}

/* The 0-based column titled PID in ps's header line, -1 when there is none. */
static int pid_column (const char *header)
{
  int col = 0;
  for (const char *p = header; *p != '\0' && *p != '\n'; col++)
    {
      p += strspn (p, " \t");
      size_t l = strcspn (p, " \t\n");
      if (l == 3 && strncmp (p, "PID", 3) == 0)
        return col;
      p += l;
    }
  return -1;
}

static bool line_pid_in (const char *line, int col, const pid_t *pids, size_t n)
{
  const char *p = line;
  for (int i = 0; i < col && *p != '\0'; i++)
    p += strspn (p, " \t"), p += strcspn (p, " \t\n");
  p += strspn (p, " \t");
  int pid = atoi (p);
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

/* Like runc: ps's header, then only the lines whose PID is in the container's cgroup. */
static int print_table (char **ps_args, const pid_t *pids, size_t n, keel_error **err)
{
  _cleanup_free_ char *out = NULL;
  int col;

  if (run_ps (ps_args, &out, err) < 0)
    return -1;
  col = pid_column (out);
  if (col < 0)
    return keel_err (err, 0, "ps output has no PID column (ps args must keep it)");
  char *save = NULL, *line = strtok_r (out, "\n", &save);
  printf ("%s\n", line);
  while ((line = strtok_r (NULL, "\n", &save)) != NULL)
    if (line_pid_in (line, col, pids, n))
      printf ("%s\n", line);
  return 0;
}

static int list_pids (runtime_globals *g, const char *id, pid_t **pids, size_t *n, keel_error **err)
{
  _cleanup_runtime_state_ runtime_state *st = NULL;
  state_dir sd;
  int r;

  if (container_peek (g, id, &sd, &st, err) < 0)
    return -1;
  if (strcmp (st->status, "stopped") == 0)
    r = keel_err (err, 0, "container is stopped");
  else if (st->cgroup_paths == NULL || st->cgroup_paths[0] == NULL)
    r = keel_err (err, 0, "the container has no cgroup to list processes from");
  else
    r = cgroup_pids (st->cgroup_paths, pids, n, err);
  state_dir_close (&sd);
  return r;
}

int cmd_ps (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  _cleanup_free_ pid_t *pids = NULL;
  _cleanup_free_ char **ps_args = NULL;
  const char *format = "table", *id;
  size_t n = 0;
  int c, first;

  while ((c = getopt_long (argc, argv, "+f:h", opts, NULL)) != -1)
    switch (c)
      {
      case 'f':
        format = optarg;
        break;
      case 'h':
        runtime_verb_usage ("ps", usage_synopsis,
                            "  -f, --format FORMAT  table (default: ps -ef lines of the container's processes)\n"
                            "                       or json (a JSON array of host pids)\n"
                            "  PS_ARGS              arguments for ps(1) instead of -ef (table format)\n");
        return 0;
      default:
        return keel_err (err, 0, "ps: unknown option `%s`", argv[optind - 1]);
      }
  if (runtime_want_args ("ps", argc, optind, 1, -1, usage_synopsis, err) < 0)
    return -1;
  id = argv[optind];
  if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return keel_err (err, 0, "ps %s: --format: `%s` is neither table nor json", id, format);
  if (list_pids (g, id, &pids, &n, err) < 0)
    return keel_err_prefix (err, "ps %s", id);
  if (strcmp (format, "json") == 0)
    {
      print_json (pids, n);
      return 0;
    }
  first = optind + 1 < argc && strcmp (argv[optind + 1], "--") == 0 ? optind + 2 : optind + 1;
  ps_args = calloc ((size_t)(argc - first) + 3, sizeof (char *));
  if (ps_args == NULL)
    return keel_err (err, ENOMEM, "ps");
  ps_args[0] = (char *)"ps";
  if (first >= argc)
    ps_args[1] = (char *)"-ef";
  for (int i = first; i < argc; i++)
    ps_args[1 + i - first] = argv[i];
  return print_table (ps_args, pids, n, err) < 0 ? keel_err_prefix (err, "ps %s", id) : 0;
}
