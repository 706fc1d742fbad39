/* libFuzzer target: runtime-spec config.json parsing, with emit → parse round trips. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "cleanup.h"
#include "runtime_config.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_runtime_config_ struct runtime_config *c = NULL;
  _cleanup_runtime_config_ struct runtime_config *back = NULL;
  _cleanup_free_ char *out = NULL;
  size_t len = 0;

  if (runtime_config_parse ("config.json", (const char *)data, size, &c, &err) < 0)
    return 0;
  /* What keel emits it must read back. */
  if (runtime_config_emit (c, false, &out, &len, &err) < 0
      || runtime_config_parse ("emitted", out, len, &back, &err) < 0)
    abort ();
  return 0;
}
