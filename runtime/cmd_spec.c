/* runtime spec: write a default config.json (like runc's) into the bundle directory. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "runtime.h"
#include "runtime_config.h"

int cmd_spec (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "rootless", no_argument, NULL, 'r' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  _cleanup_runtime_config_ struct runtime_config *cfg = NULL;
  _cleanup_free_ char *text = NULL, *path = NULL;
  const char *bundle = ".";
  bool rootless = false;
  size_t len = 0;
  int c, fd;

  while ((c = getopt_long (argc, argv, "+b:h", opts, NULL)) != -1)
    switch (c)
      {
      case 'b':
        bundle = optarg;
        break;
      case 'r':
        rootless = true;
        break;
      case 'h':
        runtime_verb_usage ("spec", "[-b|--bundle DIR] [--rootless]",
                            "  -b, --bundle DIR  where to write config.json (default: .)\n"
                            "  --rootless        a configuration for a rootless container\n");
        return 0;
      default:
        return keel_err (err, 0, "spec: unknown option `%s`", argv[optind - 1]);
      }
  if (runtime_want_args ("spec", argc, optind, 0, 0, "[-b|--bundle DIR] [--rootless]", err) < 0)
    return -1;
  if (asprintf (&path, "%s/config.json", bundle) < 0)
    return keel_err (err, ENOMEM, "spec");
  if (runtime_config_default (rootless, &cfg, err) < 0 || runtime_config_emit (cfg, true, &text, &len, err) < 0)
    return keel_err_prefix (err, "spec");
  /* Like runc: never overwrite an existing config.json. */
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      if (errno == EEXIST)
        return keel_err (err, 0, "spec: `%s` already exists; remove it first", path);
      return keel_err_errno (err, "spec: create `%s`", path);
    }
  if (write_all (fd, text, len) < 0 || write_all (fd, "\n", 1) < 0)
    {
      keel_err_errno (err, "spec: write `%s`", path);
      close (fd);
      return -1;
    }
  if (close (fd) < 0)
    return keel_err_errno (err, "spec: write `%s`", path);
  (void)g;
  return 0;
}
