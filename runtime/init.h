/* The container side of create/exec: clone3, the sync protocol with the parent, setup, the final exec. */
#ifndef KEEL_INIT_H
#define KEEL_INIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "runtime_config.h"
#include "seccomp.h"

/* Messages on the SOCK_SEQPACKET socketpair: a type, then text (errors,
 * state JSON) or nothing; SYNC_PTY carries the pty master via SCM_RIGHTS. */
enum sync_type
{
  SYNC_GO = 1,       /* parent → child: cgroup, maps written; proceed */
  SYNC_HOOKS,        /* child → parent: mounts done, run prestart/createRuntime */
  SYNC_HOOKS_DONE,   /* parent → child: state JSON for the container-side hooks */
  SYNC_PTY,          /* child → parent: the pty master */
  SYNC_SECCOMP,      /* child → parent: the seccomp NOTIFY fd, for linux.seccomp.listenerPath */
  SYNC_SECCOMP_DONE, /* parent → child: listenerPath has the fd; the process may run */
  SYNC_READY,        /* child → parent: about to block on exec.fifo */
  SYNC_ERROR,        /* either way: what failed; the receiver gives up */
};

int sync_send (int fd, enum sync_type type, const char *text, int pass_fd, keel_error **err);
/* Receive one message; *text (malloc'd, may be NULL) and *fd_out (-1 when none). */
int sync_recv (int fd, enum sync_type *type, char **text, int *fd_out, keel_error **err);
/* Wait for EXPECTED; an SYNC_ERROR from the peer becomes *err. */
int sync_expect (int fd, enum sync_type expected, char **text, int *fd_out, keel_error **err);

/* Wait for SYNC_READY. A SYNC_SECCOMP before it brings the notify fd of the
 * linux.seccomp S, which goes to S's listenerPath with STATE_JSON (seccomp.h:
 * seccomp_send_listener_for; PROCESS_PID 0 for the container's init). */
int sync_expect_ready (int fd, const struct rc_seccomp *s, pid_t process_pid, const char *state_json, keel_error **err);

/* What the child needs; it is a copy of the parent's memory (no re-exec). */
typedef struct init_args
{
  const struct runtime_config *cfg;
  const char *id;     /* the container's; NULL for exec */
  const char *rootfs; /* absolute */
  const char *bundle; /* absolute */
  int sync_fd;        /* child's end of the socketpair */
  int peer_fd;        /* the parent's end, which the child closes (so it sees EOF when the parent dies); 0: none */
  int fifo_fd;        /* O_PATH on <state>/exec.fifo; -1 for exec */
  int lock_fd;        /* the container lock: closed by the child so `start` can take it */
  int keep_fds;       /* fds 3 .. 3+keep_fds-1 pass to the process (--preserve-fds, LISTEN_FDS) */
  int listen_fds;     /* how many of them came from LISTEN_FDS */
  bool no_pivot;
  bool no_new_keyring;
  bool terminal;       /* allocate a pty and send its master to the parent */
  char **cgroup_paths; /* for mounting the container's own cgroups */
  const struct rc_process *process;
  const struct seccomp_program *seccomp; /* compiled by the parent; NULL without linux.seccomp */
  const int *idmap_fds; /* per mount: a detached idmapped tree to attach, or -1 (idmap.h); NULL when none */
} init_args;

/* clone3 with FLAGS (and the parent's setns/unshare for pid and time
 * namespaces done beforehand by the caller); the child runs FN and never returns. */
pid_t init_clone (unsigned long flags, int cgroup_fd, int (*fn) (void *), void *arg, keel_error **err);

/* The child of create. */
int init_container_main (void *arg);
/* The child of exec (already in the container's pid/time namespaces). */
int init_exec_main (void *arg);

/* --- helpers the child uses, one file each --- */
/* namespaces.c */
int ns_clone_flags (const struct runtime_config *cfg, unsigned long *clone_flags, unsigned long *unshare_flags,
                    keel_error **err);
int ns_join_paths (const struct runtime_config *cfg, bool pid_and_time, keel_error **err);
int ns_prepare_parent (const struct runtime_config *cfg, keel_error **err);
/* rootfs.c / mounts.c */
int rootfs_prepare (const init_args *a, keel_error **err);
int rootfs_finish (const init_args *a, keel_error **err);
int mount_parse_options (char **options, unsigned long *flags, unsigned long *clear, unsigned long *prop,
                         unsigned long *rec_set, unsigned long *rec_clear, char **data, keel_error **err);
int mounts_apply (const init_args *a, int rootfd, keel_error **err);
int resolve_in_root (int rootfd, const char *path, bool create, bool create_dir, int *out, keel_error **err);
/* devices.c */
int devices_create (const init_args *a, int rootfd, keel_error **err);
int devices_links (int rootfd, keel_error **err);
/* terminal.c */
int terminal_setup (const init_args *a, keel_error **err);
int terminal_send_to_socket (const char *socket_path, int master, keel_error **err);
/* caps.c / rlimits.c / process */
/* Everything about the process but the exec; loads the seccomp filter last. */
int process_apply (const init_args *a, keel_error **err);
int caps_apply (const struct rc_process *p, keel_error **err);
int caps_drop_bounding (const struct rc_process *p, keel_error **err);
int rlimits_apply (const struct rc_process *p, keel_error **err);
/* Find ARGS[0] on the process's PATH (inside the container) and execve; returns only on error. */
int process_exec (const struct rc_process *p, int listen_fds, keel_error **err);
/* runc's create-time check: args[0] resolves (container PATH) to an executable file. */
int process_check_exec (const struct rc_process *p, keel_error **err);
/* hooks.c: run one kind of hook with STATE_JSON on stdin, honouring timeouts. */
int hooks_run (const struct runtime_config *cfg, enum rc_hook_kind kind, const char *state_json, keel_error **err);

#endif
