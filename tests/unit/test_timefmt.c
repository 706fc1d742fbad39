/* Unit tests for spec/timefmt.c: RFC 3339 UTC timestamps with nanoseconds. */
#include "config.h"

#include <regex.h>
#include <string.h>

#include "tap.h"
#include "timefmt.h"

int main (void)
{
  char a[64], b[64], tiny[8];
  regex_t re;

  timefmt_now_rfc3339 (a, sizeof (a));
  timefmt_now_rfc3339 (b, sizeof (b));
  regcomp (&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$", REG_EXTENDED | REG_NOSUB);
  tap_ok (regexec (&re, a, 0, NULL, 0) == 0, "RFC 3339 with nine fractional digits and Z: %s", a);
  tap_ok (strcmp (a, b) <= 0, "a later call sorts after an earlier one");
  timefmt_now_rfc3339 (tiny, sizeof (tiny));
  tap_ok (strlen (tiny) == sizeof (tiny) - 1, "a short buffer is truncated, still terminated");
  regfree (&re);
  return tap_done ();
}
