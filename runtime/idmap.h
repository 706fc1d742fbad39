/* Idmapped mounts: detached, idmapped copies of bind sources, made by the runtime and attached by the init. */
#ifndef KEEL_IDMAP_H
#define KEEL_IDMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "runtime_config.h"

/* Whether mount M asks for an idmapping (the idmap/ridmap options, or mappings of its own). */
bool idmap_requested (const struct rc_mount *m);

/* For every mount that asks for one, open_tree(OPEN_TREE_CLONE) of its source
 * and mount_setattr(MOUNT_ATTR_IDMAP) with a user namespace holding its
 * mappings: *FDS gets one entry per mount of CFG, -1 where none is needed
 * (*FDS stays NULL when no mount asks). This needs privilege over the source's
 * filesystem, so the runtime does it before the init enters its user namespace. */
int idmap_prepare (const struct runtime_config *cfg, const char *bundle, int **fds, keel_error **err);
void idmap_close (int *fds, size_t n);

/* The kernel has mount_setattr (Linux 5.12), for `features`. */
bool idmap_kernel_supported (void);

#endif
