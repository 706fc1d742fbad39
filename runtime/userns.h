/* The runtime's side of user namespaces: rootless mode, id maps (direct or newuidmap), undelegated cgroups. */
#ifndef KEEL_USERNS_H
#define KEEL_USERNS_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "runtime.h"
#include "runtime_config.h"

/* --rootless true|false|auto (runc's semantics): auto means rootless when
 * the effective uid is not 0 or we already run in a non-initial user namespace. */
bool userns_is_rootless (const runtime_globals *g);

/* Write linux.uidMappings/gidMappings for PID: a direct write when we are
 * privileged or map only our own id, newuidmap/newgidmap otherwise. */
int userns_write_maps (const struct runtime_config *cfg, pid_t pid, keel_error **err);
/* One of them: PID's gid_map when GID, else its uid_map. */
int userns_write_id_map (pid_t pid, bool gid, const struct rc_id_mapping *m, size_t n, keel_error **err);

/* Rootless without a delegated cgroup: drop the cgroup (with a debug message)
 * when none of linux.resources needs it, else fail naming the cgroup. */
int userns_check_cgroup (const runtime_globals *g, cgroup_set *cg, const struct runtime_config *cfg, keel_error **err);

#endif
