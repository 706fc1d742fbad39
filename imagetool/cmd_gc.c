/* imagetool gc / fsck: store maintenance. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cleanup.h"
#include "commands.h"
#include "snapshot.h"
#include "store.h"

int cmd_gc (struct imagetool_ctx *ctx, int argc, char **argv)
{
  _cleanup_store_ struct store *s = NULL;
  keel_error *err = NULL;
  size_t removed, snapshots;
  uint64_t bytes;

  if (argc != 1)
    return cmd_usage (ctx, "gc", "no arguments expected");
  if (store_open (ctx->store_dir, false, &s, &err) < 0 || store_gc (s, &removed, &bytes, &err) < 0
      || snapshot_gc (s, &snapshots, &err) < 0)
    return cmd_fail (ctx, "gc", err);
  printf ("removed %zu files (%llu bytes)\n", removed, (unsigned long long)bytes);
  if (snapshots > 0)
    printf ("removed %zu snapshots\n", snapshots);
  return 0;
}

int cmd_fsck (struct imagetool_ctx *ctx, int argc, char **argv)
{
  _cleanup_store_ struct store *s = NULL;
  _cleanup_strv_ char **problems = NULL;
  keel_error *err = NULL;
  int n, m;

  if (argc != 1)
    return cmd_usage (ctx, "fsck", "no arguments expected");
  if (store_open (ctx->store_dir, false, &s, &err) < 0 || (n = store_fsck (s, &problems, &err)) < 0
      || (m = snapshot_fsck (s, &problems, &err)) < 0)
    return cmd_fail (ctx, "fsck", err);
  n += m;
  for (char **p = problems; *p; p++)
    log_msg (&ctx->log, LOG_LEVEL_ERROR, "fsck: %s", *p);
  if (n > 0)
    return 1;
  printf ("ok\n");
  return 0;
}
