/* libFuzzer target: state.json parsing (runtime/state_dir reads it back from disk), with emit → parse round trips. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "runtime_state.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Both emitted forms (bookkeeping included or not) must parse again and keep the identity fields. */
static void reparse (const runtime_state *s, int flags)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_free_ char *out = NULL;
  _cleanup_runtime_state_ runtime_state *back = NULL;
  size_t len = 0;

  if (runtime_state_emit (s, flags, &out, &len, &err) < 0 || runtime_state_parse ("emitted", out, len, &back, &err) < 0)
    abort ();
  if (back->pid != s->pid || (s->id != NULL && (back->id == NULL || strcmp (back->id, s->id) != 0)))
    abort ();
  if ((flags & RUNTIME_STATE_INTERNAL) && back->starttime != s->starttime)
    abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_runtime_state_ runtime_state *s = NULL;

  if (runtime_state_parse ("state.json", (const char *)data, size, &s, &err) < 0)
    return 0;
  reparse (s, RUNTIME_STATE_INTERNAL);
  reparse (s, RUNTIME_STATE_PRETTY);
  return 0;
}
