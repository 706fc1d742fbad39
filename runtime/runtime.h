/* What every runtime verb shares: the global CLI options and the verb entry points. */
#ifndef KEEL_RUNTIME_H
#define KEEL_RUNTIME_H

#include <stdbool.h>

#include "error.h"
#include "log.h"

/* The global options (runc's spellings), parsed once in main.c. */
typedef struct runtime_globals
{
  char *root;           /* --root, or the default state root */
  const char *log_file; /* --log */
  bool debug;           /* --debug */
  bool systemd_cgroup;  /* --systemd-cgroup */
  const char *rootless; /* --rootless true|false|auto */
  log_options log;
} runtime_globals;

/* A verb: ARGV[0] is the verb name. Returns the process exit status; errors
 * are returned in *err already prefixed with "<verb> <id>". */
typedef int (*runtime_verb_fn) (runtime_globals *g, int argc, char **argv, keel_error **err);

int cmd_create (runtime_globals *g, int argc, char **argv, keel_error **err);
int cmd_start (runtime_globals *g, int argc, char **argv, keel_error **err);
int cmd_run (runtime_globals *g, int argc, char **argv, keel_error **err);
int cmd_state (runtime_globals *g, int argc, char **argv, keel_error **err);
int cmd_kill (runtime_globals *g, int argc, char **argv, keel_error **err);
int cmd_delete (runtime_globals *g, int argc, char **argv, keel_error **err);
int cmd_list (runtime_globals *g, int argc, char **argv, keel_error **err);
int cmd_spec (runtime_globals *g, int argc, char **argv, keel_error **err);
int cmd_features (runtime_globals *g, int argc, char **argv, keel_error **err);
int cmd_exec (runtime_globals *g, int argc, char **argv, keel_error **err);
/* The cgroup verbs (runtime/cgroup.mk). */
int cmd_update (runtime_globals *g, int argc, char **argv, keel_error **err);
int cmd_pause (runtime_globals *g, int argc, char **argv, keel_error **err);
int cmd_resume (runtime_globals *g, int argc, char **argv, keel_error **err);
int cmd_ps (runtime_globals *g, int argc, char **argv, keel_error **err);
int cmd_events (runtime_globals *g, int argc, char **argv, keel_error **err);

/* Print a verb's usage (for --help) to stdout. */
void runtime_verb_usage (const char *verb, const char *synopsis, const char *options);

/* Common argument check: exactly N positional arguments remain, else an error naming the verb. */
int runtime_want_args (const char *verb, int argc, int optind_, int min, int max, const char *usage, keel_error **err);

#endif
