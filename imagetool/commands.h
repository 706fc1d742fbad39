/* imagetool verbs: each takes the global context and its own argv (argv[0] is the verb). */
#ifndef KEEL_IMAGETOOL_COMMANDS_H
#define KEEL_IMAGETOOL_COMMANDS_H

#include <stdbool.h>
#include <stdio.h>

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
int cmd_unpack (struct imagetool_ctx *ctx, int argc, char **argv);
int cmd_config (struct imagetool_ctx *ctx, int argc, char **argv);
int cmd_import (struct imagetool_ctx *ctx, int argc, char **argv);
int cmd_export (struct imagetool_ctx *ctx, int argc, char **argv);

struct store;
struct image_descriptor;
/* ARG as a stored image: a reference (normalised: "alpine" finds docker.io/library/alpine:latest)
 * or the digest of a stored ref. *name (malloc'd) gets the normalised name, *desc a copy.
 * Errors name ARG ("no image \"x\" in the store"). */
int cmd_resolve (struct store *s, const char *arg, char **name, struct image_descriptor *desc, keel_error **err);

struct unpack_flags;
struct image_platform;
/* unpack (PRINT false: REF BUNDLE) or config (PRINT true: REF) with the bundle flags (cmd_unpack.c). */
int cmd_unpack_verb (struct imagetool_ctx *ctx, int argc, char **argv, bool print);
/* ARGV[1..] into F and at most MAX_OPS operands; "--" ends it, what follows replacing Cmd. */
int cmd_unpack_parse (struct unpack_flags *f, int argc, char **argv, char **ops, size_t max_ops, size_t *n_ops,
                      keel_error **err);
/* The stored DESC (an index narrowed to WANT, the host's when NULL) → BUNDLE, or config.json on stdout
 * when BUNDLE is NULL. */
int cmd_unpack_desc (struct imagetool_ctx *ctx, struct store *s, const struct image_descriptor *desc,
                     const struct image_platform *want, const char *bundle, struct unpack_flags *f, keel_error **err);
/* The bundle flags, for --help. */
void cmd_unpack_flags_help (FILE *out);

/* Report ERR as "imagetool: VERB: <msg>" and return the exit status 1. */
int cmd_fail (struct imagetool_ctx *ctx, const char *verb, keel_error *err);
/* Usage error: "imagetool: VERB: <msg>" plus a hint, exit status 2. */
int cmd_usage (struct imagetool_ctx *ctx, const char *verb, const char *msg);

#endif
