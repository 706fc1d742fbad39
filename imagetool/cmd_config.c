/* imagetool config REF: the config.json `unpack` would write for a stored image, without unpacking it. */
#include "config.h"

#include "commands.h"

/* Same parsing and loading as unpack; with no rootfs, Config.User must be numeric (a name is an error). */
int cmd_config (struct imagetool_ctx *ctx, int argc, char **argv)
{
  return cmd_unpack_verb (ctx, argc, argv, true);
}
