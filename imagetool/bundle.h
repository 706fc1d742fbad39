/* Image → OCI bundle: config.json from the image config (image-spec conversion.md) and the rootfs from its layers. */
#ifndef KEEL_BUNDLE_H
#define KEEL_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "image.h"
#include "layer.h"
#include "runtime_config.h"

/* The default PATH, only when the image sets none (as docker and runc spec do). */
#define BUNDLE_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What to do with Config.Volumes (conversion.md "Optional Fields" note 2). */
enum bundle_volumes
{
  BUNDLE_VOLUMES_BUNDLE, /* default: BUNDLE/volumes/N-name bind-mounted, seeded with the image's content */
  BUNDLE_VOLUMES_TMPFS,  /* an empty tmpfs at each volume */
  BUNDLE_VOLUMES_BIND,   /* DIR/N-name bind-mounted (created when missing), --volumes bind:DIR */
  BUNDLE_VOLUMES_NONE,   /* ignored: volume data stays in the rootfs */
};

/* The caller's inputs ("externally provided inputs" of conversion.md). */
struct bundle_options
{
  bool rootless;        /* a config `runtime` runs unprivileged (user namespace, caller mapped to 0) */
  bool tty;             /* process.terminal, TERM=xterm unless the image sets TERM */
  bool read_only;       /* root.readonly */
  const char *hostname; /* NULL keeps the default */
  char **entrypoint;    /* --entrypoint (non-NULL replaces Config.Entrypoint and drops Config.Cmd) */
  char **args;          /* -- ARGS: replace Config.Cmd when non-NULL */
  char **env;           /* -e NAME=VALUE (set or replace), -e NAME (from our environment, dropped if unset) */
  const char *user;     /* --user replaces Config.User when non-NULL */
  const char *workdir;  /* --workdir replaces Config.WorkingDir when non-NULL */
  enum bundle_volumes volumes;
  const char *volumes_dir; /* for BUNDLE_VOLUMES_BIND */
};

/* Parse a --volumes value: "tmpfs", "bind:DIR", "none" or "bundle". */
int bundle_volumes_parse (const char *s, struct bundle_options *o, keel_error **err);

/* process.user from a Config.User string ("", "name", "uid", "name:group", "uid:gid", mixes).
 * PASSWD and GROUP are the rootfs's /etc/passwd and /etc/group contents (NULL when absent).
 * conversion.md "Config.User": numeric values are copied verbatim, names are looked up
 * (an unknown name is an error), additionalGids come from GROUP only when the user is
 * given without a group. *HOME (may be NULL) gets the passwd home directory when known. */
struct bundle_user
{
  uint32_t uid;
  uint32_t gid;
  uint32_t *additional_gids;
  size_t additional_gids_len;
  char *home;
};
int bundle_user_resolve (const char *spec, const char *passwd, const char *group, struct bundle_user *out,
                         keel_error **err);
void bundle_user_clear (struct bundle_user *u);

/* Read a small file inside the rootfs (resolved in it, like every path here);
 * *out = NULL when it does not exist. */
int bundle_read_rootfs_file (int rootfd, const char *path, char **out, keel_error **err);

/* The generated config.json: runtime_config_default (o->rootless), then every rule of
 * image-spec conversion.md, then the caller's options. ROOTFD is the unpacked rootfs for
 * resolving user names (-1: only numeric users work, as for `imagetool config REF`).
 * Volume mounts use bundle-relative sources ("volumes/0-data"). */
int bundle_make_config (const struct image_config *img, int rootfd, const struct bundle_options *o,
                        struct runtime_config **out, keel_error **err);

/* Emit bundle_make_config's result as pretty JSON (for `imagetool config REF`). */
int bundle_config_json (const struct image_config *img, int rootfd, const struct bundle_options *o, char **out,
                        keel_error **err);

/* One layer blob of the image, in order. */
struct bundle_layer
{
  const char *path;       /* the blob file (e.g. in the store) */
  const char *media_type; /* the manifest's layers[i].mediaType */
  const char *diff_id;    /* the config's rootfs.diff_ids[i] */
};

/* Create the bundle BUNDLE: apply LAYERS into BUNDLE.tmp-XXXXXX/rootfs (LO gives the
 * limits and id maps; its media_type/diff_id are taken from each layer), move volume
 * content out (BUNDLE_VOLUMES_BUNDLE), write config.json, and rename to BUNDLE at the end.
 * BUNDLE must not exist or be an empty directory. On failure nothing is left behind. */
int bundle_create (const char *bundle, const struct image_config *img, const struct bundle_layer *layers,
                   size_t n_layers, const struct bundle_options *o, const struct layer_options *lo, keel_error **err);

/* Fills the empty rootfs directory ROOTFD; -1 with *ERR set on failure. */
typedef int (*bundle_fill_fn) (void *data, int rootfd, keel_error **err);
/* bundle_create with the rootfs made by FILL(DATA, ...) instead of by applying layers (the snapshot cache). */
int bundle_create_with (const char *bundle, const struct image_config *img, bundle_fill_fn fill, void *data,
                        const struct bundle_options *o, keel_error **err);

#endif
