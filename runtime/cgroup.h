/* Cgroup placement: create the container's cgroup on the host's layout, put a pid in it, remove it. */
#ifndef KEEL_CGROUP_H
#define KEEL_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "runtime_config.h"

typedef struct cgroup_set
{
  char **paths;                   /* absolute directories, one per hierarchy (NULL-terminated) */
  char **mountpoints;             /* the hierarchy each path belongs to, same order */
  bool unified_only;              /* pure cgroup v2 host */
  char *relative;                 /* the cgroup path inside each hierarchy, e.g. /keel/<id> */
  struct cgroup_journal *journal; /* `update`: files written so far, to roll back (cgroup_resources.c) */
} cgroup_set;

/* Work out the paths for ID (linux.cgroupsPath or /keel/<id>) without touching anything. */
int cgroup_resolve (const struct runtime_config *cfg, const char *id, cgroup_set *cg, keel_error **err);
/* mkdir every path (copying cpuset.cpus/mems on v1), program the devices controller (v1) or
 * eBPF program (v2), and write linux.resources (cgroup_apply_resources). */
int cgroup_create (cgroup_set *cg, const struct runtime_config *cfg, keel_error **err);
/* Write PID into every hierarchy's cgroup.procs. */
int cgroup_enter (const cgroup_set *cg, pid_t pid, keel_error **err);
/* Remove the directories (they must be empty of processes; retried briefly). */
int cgroup_destroy_paths (char **paths, keel_error **err);
/* Pids in the cgroup (from the first path's cgroup.procs), malloc'd, count in *n. */
int cgroup_pids (char **paths, pid_t **out, size_t *n, keel_error **err);
/* Rebuild the set of an existing container from the directories in its state. */
int cgroup_from_paths (char **paths, cgroup_set *cg, keel_error **err);
/* `update`: write R (rolled back whole when a write fails); R's device rules
 * are added on v1, and on v2 replace the eBPF program with one built from
 * CFG's linux.devices and MERGED (the container's resources after the update). */
int cgroup_update (const cgroup_set *cg, const struct runtime_config *cfg, const struct rc_resources *r,
                   const struct rc_resources *merged, keel_error **err);
/* Freeze (waiting until every task is frozen) or thaw: v1 freezer, else v2 cgroup.freeze. */
int cgroup_freeze (char **paths, bool freeze, keel_error **err);
bool cgroup_is_frozen (char **paths);
/* Send SIG to every process in the cgroup: SIGKILL through cgroup.kill where
 * the kernel has it, else freeze, signal each pid, thaw. */
int cgroup_kill_all (char **paths, int sig, keel_error **err);
void cgroup_set_free (cgroup_set *cg);

#endif
