/* imagetool verbs: each takes the global context and its own argv (argv[0] is the verb). */
#ifndef KEEL_IMAGETOOL_COMMANDS_H
#define KEEL_IMAGETOOL_COMMANDS_H

#include "log.h"

struct imagetool_ctx
{
  const char *store_dir; /* --store, or the default for this user */
  log_options log;
};

int cmd_pull (struct imagetool_ctx *ctx, int argc, char **argv);
int cmd_images (struct imagetool_ctx *ctx, int argc, char **argv);
int cmd_inspect (struct imagetool_ctx *ctx, int argc, char **argv);
int cmd_tag (struct imagetool_ctx *ctx, int argc, char **argv);
int cmd_rm (struct imagetool_ctx *ctx, int argc, char **argv);
int cmd_gc (struct imagetool_ctx *ctx, int argc, char **argv);
int cmd_fsck (struct imagetool_ctx *ctx, int argc, char **argv);
int cmd_login (struct imagetool_ctx *ctx, int argc, char **argv);
int cmd_logout (struct imagetool_ctx *ctx, int argc, char **argv);

struct store;
struct image_descriptor;
/* ARG as a stored image: a reference (normalised: "alpine" finds docker.io/library/alpine:latest)
 * or the digest of a stored ref. *name (malloc'd) gets the normalised name, *desc a copy.
 * Errors name ARG ("no image \"x\" in the store"). */
int cmd_resolve (struct store *s, const char *arg, char **name, struct image_descriptor *desc, keel_error **err);

/* Report ERR as "imagetool: VERB: <msg>" and return the exit status 1. */
int cmd_fail (struct imagetool_ctx *ctx, const char *verb, keel_error *err);
/* Usage error: "imagetool: VERB: <msg>" plus a hint, exit status 2. */
int cmd_usage (struct imagetool_ctx *ctx, const char *verb, const char *msg);

#endif
