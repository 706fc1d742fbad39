/* Unit tests for spec/runtime_config.c (to be written with it). */
#include "config.h"
#include "tap.h"

int main (void)
{
  tap_skip ("spec/runtime_config.c is not written yet");
  return tap_done ();
}
