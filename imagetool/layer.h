/* Apply one image layer (a tar changeset, plain/gzip/zstd) onto a rootfs without ever leaving it. */
#ifndef KEEL_LAYER_H
#define KEEL_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "log.h"

/* Generous defaults: a bound against decompression bombs, not a quota. */
#define LAYER_DEFAULT_MAX_SIZE (64ULL << 30)
/* Where a rootless unpack keeps the image's owners (rootless-containers/proto Resource). */
#define LAYER_ROOTLESS_XATTR "user.rootlesscontainers"

/* One range of a --uid-map/--gid-map: ids CONTAINER..CONTAINER+SIZE-1 in the
 * layer are written as HOST..HOST+SIZE-1 on disk. */
struct layer_id_map
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct layer_options
{
  /* The layer's media type; NULL accepts plain, gzip and zstd tars by content.
   * Any OCI or Docker layer type is accepted (compression detected from the
   * bytes, as several registries mislabel); anything else is refused by name. */
  const char *media_type;
  /* "sha256:<hex>" of the uncompressed tar (rootfs.diff_ids[i]); NULL skips the check. */
  const char *diff_id;
  /* Bound on decompressed bytes over every layer applied with the same
   * CONSUMED counter (0 = LAYER_DEFAULT_MAX_SIZE), and on one entry's size
   * (0 = the same as max_size). */
  uint64_t max_size;
  uint64_t max_entry_size;
  /* Id shifting; an id outside every range is an error. NULL = identity. */
  const struct layer_id_map *uid_map;
  size_t uid_map_len;
  const struct layer_id_map *gid_map;
  size_t gid_map_len;
  /* Unprivileged: device nodes skipped, ownership changes that fail ignored,
   * directories kept u+rwx so the caller can remove the tree later. Without id
   * maps every file stays the caller's and the layer's owners are recorded in
   * the LAYER_ROOTLESS_XATTR xattr, as umoci unpack --rootless does. */
  bool rootless;
  /* Warnings (skipped devices, xattrs the filesystem refuses); NULL = stderr. */
  const log_options *log;
};

/* Apply the layer read from TARFD onto the directory ROOTFD per image-spec
 * layer.md (whiteouts, opaque directories, replace-not-write-through).
 * Every path is resolved inside ROOTFD (openat2 RESOLVE_IN_ROOT) and every
 * final component is operated on with *at() calls that never follow it.
 * *CONSUMED (may be NULL) accumulates the decompressed bytes read, across
 * layers, for the max_size bound. Errors name the entry ("entry `a/b`: ..."). */
int layer_apply (int rootfd, int tarfd, const struct layer_options *o, uint64_t *consumed, keel_error **err);
/* The same for a file, opened here; errors are prefixed with PATH. */
int layer_apply_file (int rootfd, const char *path, const struct layer_options *o, uint64_t *consumed,
                      keel_error **err);

/* Parse "CONTAINER:HOST:SIZE" (as in --uid-map) and append it to *MAP. */
int layer_id_map_parse (const char *s, struct layer_id_map **map, size_t *len, keel_error **err);
/* Map ID through MAP (identity when LEN is 0); -1 when no range holds it. */
int layer_id_map_apply (const struct layer_id_map *map, size_t len, uint32_t id, uint32_t *out);

/* Open PATH (relative or absolute) inside the rootfs ROOTFD: symlinks are followed as
 * if ROOTFD were "/", ".." cannot climb out, magic links are refused
 * (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS). Returns the fd, or -1 with errno. */
int layer_open_in_root (int rootfd, const char *path, int flags);
/* Remove NAME in DIRFD and everything below it, never following symlinks. Absent is fine. */
int layer_remove_tree (int dirfd, const char *name, keel_error **err);

#endif
