/* A stored image → OCI bundle or config.json: the store side of `imagetool unpack|pull REF BUNDLE|config REF`. */
#ifndef KEEL_UNPACK_H
#define KEEL_UNPACK_H

#include "bundle.h"
#include "image.h"
#include "layer.h"
#include "snapshot.h"

struct store;

/* The image behind a stored descriptor: an index is narrowed to one platform first. */
struct unpack_image
{
  struct image_manifest *manifest;
  struct image_config *config;
};

/* Load DESC's manifest (choosing WANT's platform, the host's when NULL, from an index)
 * and its config, from the store (blobs verified on read). Errors name the digests. */
int unpack_load (struct store *s, const struct image_descriptor *desc, const struct image_platform *want,
                 struct unpack_image *out, keel_error **err);
void unpack_image_clear (struct unpack_image *im);

/* bundle_create with the image's layer blobs from the store. */
int unpack_bundle (struct store *s, const struct unpack_image *im, const char *bundle, const struct bundle_options *o,
                   const struct layer_options *lo, keel_error **err);
/* The same with the rootfs composed from the store's snapshot cache per MODE (SNAPSHOT_OFF: unpack_bundle). */
int unpack_bundle_snapshot (struct store *s, const struct unpack_image *im, const char *bundle,
                            const struct bundle_options *o, const struct layer_options *lo, enum snapshot_mode mode,
                            keel_error **err);

/* The options shared by the three verbs, with their storage. */
struct unpack_flags
{
  struct bundle_options bundle;
  struct layer_options layer;
  const char *platform;                   /* --platform OS/ARCH[/VARIANT], NULL = host */
  enum snapshot_mode snapshot;            /* --snapshot[=MODE], --no-snapshot */
  char **entrypoint, **env;               /* owned vectors behind bundle.entrypoint / bundle.env */
  struct layer_id_map *uid_map, *gid_map; /* owned arrays behind layer.uid_map / gid_map */
};
/* Defaults: rootless (both) when not running as root. */
void unpack_flags_init (struct unpack_flags *f);
/* Try to consume the option at ARGV[*I] ("--opt VALUE" or "--opt=VALUE"; *I advanced past a value):
 * 1 when it was one of ours, 0 when not, -1 on a bad value. Options:
 *   --rootless --tty|-t --read-only --hostname H --user|-u U --workdir|-w DIR --env|-e NAME[=VALUE]
 *   --entrypoint CMD (repeat for more words) --volumes tmpfs|bind:DIR|bundle|none
 *   --max-size BYTES --uid-map C:H:S --gid-map C:H:S --platform OS/ARCH[/VARIANT]
 *   --snapshot[=auto|reflink|copy|hardlink|off] --no-snapshot */
int unpack_flags_parse (struct unpack_flags *f, int argc, char **argv, int *i, keel_error **err);
/* Trailing "-- ARGS...": replace the image's Cmd (ARGV stays the caller's). */
void unpack_flags_set_args (struct unpack_flags *f, char **args);
void unpack_flags_clear (struct unpack_flags *f);

#endif
