/* runtime-spec state.json and the features document. */
#ifndef KEEL_RUNTIME_STATE_H
#define KEEL_RUNTIME_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* The runtime-spec version this runtime implements. */
#define KEEL_OCI_VERSION "1.2.0"

/* runtime.md "State", plus the runtime's own bookkeeping (kept in the same
 * file under keys the spec does not define; runc adds "rootfs", "created" and
 * "owner" to its `state` output the same way). */
typedef struct runtime_state
{
  char *oci_version;
  char *id;
  char *status; /* creating | created | running | stopped */
  int pid;      /* 0 when there is no process */
  char *bundle;
  char **annotations; /* key, value, key, value, ..., NULL */
  /* bookkeeping */
  char *rootfs;
  char *created;                /* RFC 3339 */
  char *owner;                  /* "" for root, like runc */
  unsigned long long starttime; /* field 22 of /proc/<pid>/stat, to tell pid reuse */
  char **cgroup_paths;          /* absolute directories the container's cgroup lives in */
  bool systemd;                 /* reserved for the systemd driver */
} runtime_state;

/* Emit the state. RUNTIME_STATE_INTERNAL adds the bookkeeping fields (for the
 * state dir); without it only what `runtime state` prints. RUNTIME_STATE_PRETTY
 * indents; hooks get one compact line. */
enum
{
  RUNTIME_STATE_INTERNAL = 1,
  RUNTIME_STATE_PRETTY = 2,
};
int runtime_state_emit (const runtime_state *s, int flags, char **out, size_t *len, keel_error **err);
/* Parse a state document; NAME is used in messages. */
int runtime_state_parse (const char *name, const char *buf, size_t len, runtime_state **out, keel_error **err);
void runtime_state_free (runtime_state *s);
void runtime_state_freep (runtime_state **s);
#define _cleanup_runtime_state_ __attribute__ ((cleanup (runtime_state_freep)))

/* features.md: what the runtime supports. Lists are NULL-terminated. */
typedef struct runtime_features
{
  const char *oci_version_min, *oci_version_max;
  const char *const *hooks;
  const char *const *mount_options;
  const char *const *namespaces;
  char **capabilities; /* built at run time from libcap's table */
  bool cgroup_v1, cgroup_v2, cgroup_systemd, cgroup_systemd_user, cgroup_rdma;
  bool seccomp_enabled;
  const char *const *seccomp_actions, *const *seccomp_operators, *const *seccomp_archs;
  bool apparmor, selinux, intel_rdt, mount_idmap;
  const char *const *annotations; /* key, value, ..., NULL */
} runtime_features;

int runtime_features_emit (const runtime_features *f, char **out, size_t *len, keel_error **err);

#endif
