/* Unit tests for spec/image.c (to be written with it). */
#include "config.h"
#include "tap.h"

int main (void)
{
  tap_skip ("spec/image.c is not written yet");
  return tap_done ();
}
