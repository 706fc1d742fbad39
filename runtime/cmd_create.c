/* runtime create: set the container up and leave its init waiting for `start`. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"

#define CREATE_USAGE                                                                                                   \
  "[-b|--bundle DIR] [--console-socket PATH] [--pid-file PATH] [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID"

#define CREATE_OPTIONS                                                                                                 \
  "  -b, --bundle DIR       the bundle holding config.json (default: .)\n"                                             \
  "  --console-socket PATH  send the pty master of process.terminal to this AF_UNIX socket\n"                          \
  "  --pid-file PATH        write the init's pid there\n"                                                              \
  "  --no-pivot             use MS_MOVE instead of pivot_root (rootfs on a ramfs)\n"                                   \
  "  --no-new-keyring       keep the caller's session keyring\n"                                                       \
  "  --preserve-fds N       pass N file descriptors beyond stdio (from fd 3)\n"
#define RUN_OPTIONS                                                                                                    \
  "  -d, --detach           do not wait for the container: exit once it started\n"                                     \
  "  --keep                 do not delete the container when it exits\n"                                               \
  "  --no-subreaper         accepted for runc compatibility (no effect)\n"

/* Flags shared by create and run; returns 1 when --help was printed. Unknown
 * run-only flags are handled through EXTRA. */
int create_parse_flags (const char *verb, int argc, char **argv, create_opts *o, bool *detach, bool *keep,
                        keel_error **err);

int create_parse_flags (const char *verb, int argc, char **argv, create_opts *o, bool *detach, bool *keep,
                        keel_error **err)
{
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "console-socket", required_argument, NULL, 'c' },
    { "pid-file", required_argument, NULL, 'p' },
    { "no-pivot", no_argument, NULL, 'P' },
    { "no-new-keyring", no_argument, NULL, 'K' },
    { "preserve-fds", required_argument, NULL, 'f' },
    { "detach", no_argument, NULL, 'd' },
    { "keep", no_argument, NULL, 'k' },
    { "no-subreaper", no_argument, NULL, 'S' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool is_run = strcmp (verb, "run") == 0;
  int c;

  while ((c = getopt_long (argc, argv, is_run ? "+b:dh" : "+b:h", opts, NULL)) != -1)
    {
      char *end;
      switch (c)
        {
        case 'b':
          o->bundle = optarg;
          break;
        case 'c':
          o->console_socket = optarg;
          break;
        case 'p':
          o->pid_file = optarg;
          break;
        case 'P':
          o->no_pivot = true;
          break;
        case 'K':
          o->no_new_keyring = true;
          break;
        case 'f':
          o->preserve_fds = (int)strtol (optarg, &end, 10);
          if (*optarg == '\0' || *end != '\0' || o->preserve_fds < 0 || o->preserve_fds > 65536)
            return keel_err (err, 0, "%s: --preserve-fds: expected a non-negative number, got `%s`", verb, optarg);
          break;
        case 'd':
        case 'k':
        case 'S':
          if (!is_run)
            return keel_err (err, 0, "%s: unknown option `%s`", verb, argv[optind - 1]);
          if (c == 'd')
            *detach = true;
          else if (c == 'k')
            *keep = true;
          break;
        case 'h':
          runtime_verb_usage (verb, is_run ? "[-d|--detach] [--keep] [--no-subreaper] " CREATE_USAGE : CREATE_USAGE,
                              is_run ? RUN_OPTIONS CREATE_OPTIONS : CREATE_OPTIONS);
          return 1;
        default:
          return keel_err (err, 0, "%s: unknown option `%s` (usage: runtime %s %s)", verb, argv[optind - 1], verb,
                           CREATE_USAGE);
        }
    }
  if (runtime_want_args (verb, argc, optind, 1, 1, CREATE_USAGE, err) < 0)
    return -1;
  o->id = argv[optind];
  return 0;
}

int cmd_create (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  create_opts o = { 0 };
  bool detach = false, keep = false;
  pid_t pid;
  int pty, r;

  r = create_parse_flags ("create", argc, argv, &o, &detach, &keep, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (container_create (g, &o, &pid, &pty, err) < 0)
    return keel_err_prefix (err, "create %s", o.id);
  return 0;
}
