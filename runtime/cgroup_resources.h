/* linux.resources written to the cgroup files of a v1, hybrid or v2 cgroup_set (create and `update`). */
#ifndef KEEL_CGROUP_RESOURCES_H
#define KEEL_CGROUP_RESOURCES_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "error.h"
#include "runtime_config.h"

/* Write every resource set in R into CG's directories, translated for the
 * layout (v1 files, v2 files with runc's conversions, hybrid: v1 controllers
 * plus whatever the v2 mount holds). On a pure v2 set, R->devices becomes an
 * eBPF device program (see cgroup_devices_bpf.h); on v1 the devices
 * controller is programmed by cgroup_create. IS_UPDATE enables
 * memory.checkBeforeUpdate. Errors name the controller, file and value. */
int cgroup_apply_resources (const cgroup_set *cg, const struct rc_resources *r, bool is_update, keel_error **err);

/* The directory of CG holding controller NAME (v1 hierarchy named after it,
 * else a cgroup2 hierarchy listing it), NULL when none; *V2 tells which. */
const char *cgroup_controller_dir (const cgroup_set *cg, const char *name, bool *v2);

/* runc's conversions, exposed for tests and for `update` output. */
uint64_t cgroup_shares_to_weight (uint64_t shares);
uint64_t cgroup_blkio_weight_to_io_weight (uint64_t weight);
/* memory.swap.max from OCI swap (= memory+swap) and limit; 0 means leave unset, -1 "max". */
int cgroup_swap_to_v2 (int64_t swap, int64_t limit, int64_t *out, keel_error **err);

#endif
