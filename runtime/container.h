/* The lifecycle state machine: creating → created → running → stopped, on top of the locked state dir. */
#ifndef KEEL_CONTAINER_H
#define KEEL_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime.h"
#include "runtime_config.h"
#include "runtime_state.h"
#include "state_dir.h"

typedef struct create_opts
{
  const char *id;
  const char *bundle; /* NULL: the current directory */
  const char *console_socket;
  const char *pid_file;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
  bool foreground; /* `run` without -d: a terminal may be proxied instead of sent to a socket */
} create_opts;

/* Everything `create` does; on success the init waits on exec.fifo. *pty gets
 * the pty master when the process has a terminal and no --console-socket was
 * given (only allowed in the foreground), else -1. */
int container_create (runtime_globals *g, const create_opts *o, pid_t *pid, int *pty, keel_error **err);

/* Open+lock the container and read its state, with status refreshed from the
 * live process. */
int container_load (runtime_globals *g, const char *id, state_dir *sd, runtime_state **st, keel_error **err);
/* The same without the lock, for state and list: never waits for a create
 * in progress, which it reports as "creating". */
int container_peek (runtime_globals *g, const char *id, state_dir *sd, runtime_state **st, keel_error **err);
/* Release a created container (open the fifo), run poststart hooks. */
int container_start (runtime_globals *g, const char *id, keel_error **err);
/* Stop what is left, remove the cgroup, run poststop hooks, remove the state dir. */
int container_destroy (runtime_globals *g, state_dir *sd, runtime_state *st, bool force, keel_error **err);
/* Send SIG to the init (or every process in the cgroup with ALL). */
int container_signal (runtime_state *st, int sig, bool all, keel_error **err);
/* Parse "KILL", "SIGKILL" or "9". */
int signal_parse (const char *s, int *sig);
/* The state as JSON, as `runtime state` prints it. */
int container_state_json (runtime_state *st, char **out, keel_error **err);
/* field 22 of /proc/<pid>/stat (0 when the process is gone); *zombie when it has exited. */
unsigned long long proc_starttime (pid_t pid, bool *zombie);
/* Wait for our child PID forwarding signals (and proxying a pty); its exit status, 128+N on signal N. */
int container_wait_child (pid_t pid, int pty);

#endif
