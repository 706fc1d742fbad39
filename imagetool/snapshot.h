/* The snapshot cache: each image's extracted tree kept once under the store, bundles composed from it by copy. */
#ifndef KEEL_SNAPSHOT_H
#define KEEL_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "error.h"
#include "layer.h"

struct store;

/* How a bundle's rootfs is made from a snapshot (--snapshot[=MODE]). */
enum snapshot_mode
{
  SNAPSHOT_OFF = 0,  /* no cache: the layers are applied into the bundle (the default) */
  SNAPSHOT_AUTO,     /* reflink (FICLONE) each file where the filesystem can, else a full copy */
  SNAPSHOT_REFLINK,  /* reflinks only: an error where the filesystem cannot */
  SNAPSHOT_COPY,     /* always a full copy of the data */
  SNAPSHOT_HARDLINK, /* hard links to the snapshot's files: shared, see imagetool(1) */
};

/* "auto", "reflink", "copy", "hardlink" or "off"; errors name the value. */
int snapshot_mode_parse (const char *s, enum snapshot_mode *out, keel_error **err);
const char *snapshot_mode_name (enum snapshot_mode m);

/* ---- trees (snapshot_tree.c) ---- */

/* A digest of a tree that does not depend on the order entries are visited in:
 * the sum, lane by lane, of the sha256 of one record per entry. */
struct tree_sum
{
  uint64_t lane[4];
  uint64_t entries;
};
/* 64 hex digits (the lanes) into OUT (at least 65 bytes). */
void tree_sum_hex (const struct tree_sum *t, char *out);

/* Copy the tree below SRCFD into the empty directory DSTFD per MODE (not SNAPSHOT_OFF), owners,
 * modes, xattrs, times and hard links included. CHOWN false leaves owners the caller's (a rootless
 * unpack without id maps); ROOTLESS tolerates ownership changes the kernel refuses, as layer_apply
 * does. *SHAPE gets the digest of the source's metadata (names, types, modes, owners, sizes, mtimes,
 * link targets, xattrs), to be compared with the one recorded when the snapshot was made. */
int tree_copy (int srcfd, int dstfd, enum snapshot_mode mode, bool chown, bool rootless, const log_options *log,
               struct tree_sum *shape, keel_error **err);
/* The same metadata digest of the tree below DIRFD, and one (*CONTENT) that covers file data too. */
int tree_digest (int dirfd, struct tree_sum *shape, struct tree_sum *content, keel_error **err);
/* Remove everything inside DIRFD (DIRFD itself stays). */
int tree_empty (int dirfd, keel_error **err);

/* ---- the cache (snapshot.c) ---- */

/* What a bundle's rootfs is made of: the image's LAYERS (N, each with the config's diff_id) from STORE. */
struct snapshot_request
{
  struct store *s;
  const struct bundle_layer *layers;
  size_t n;
  const struct layer_options *lo;
  enum snapshot_mode mode; /* not SNAPSHOT_OFF */
};
/* A bundle_fill_fn; REQUEST is a struct snapshot_request. Fill ROOTFD (an empty rootfs directory) with
 * the image through the snapshot of its layer chain (image-spec config.md "Layer ChainID") under
 * STORE/.keel/snapshots, made first when missing. LO's options that change the extracted tree (rootless,
 * id maps, the caller's ids) are part of the snapshot's identity; max_size is checked against the bytes
 * the snapshot was made from, and with max_entry_size set the layers are applied without the cache. */
int snapshot_fill_rootfs (void *request, int rootfd, keel_error **err);

/* gc: remove snapshots no stored image uses (by chain ID) and half-made ones (tmp-*, left by a crash).
 * Takes the store's gc lock exclusively, so no unpack is using one. *removed counts snapshots. */
int snapshot_gc (struct store *s, size_t *removed, keel_error **err);
/* fsck: recompute each snapshot's content digest; one that differs from what it was made as (or whose
 * snapshot.json is not its own) is removed, a cache entry the next unpack makes again, and reported.
 * Problems are appended to *problems (a NULL-terminated vector, extended in place); returns how many. */
int snapshot_fsck (struct store *s, char ***problems, keel_error **err);

#endif
