/* Small helpers shared by imagetool's verbs: option parsing. */
#include "config.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int util_parse_bool (const char *option, const char *s, bool *out, keel_error **err)
{
  if (strcasecmp (s, "true") == 0 || strcmp (s, "1") == 0 || strcasecmp (s, "yes") == 0)
    *out = true;
  else if (strcasecmp (s, "false") == 0 || strcmp (s, "0") == 0 || strcasecmp (s, "no") == 0)
    *out = false;
  else
    return keel_err (err, 0, "%s: expected true or false, got \"%s\"", option, s);
  return 0;
}

int util_parse_int (const char *option, const char *s, int min, int max, int *out, keel_error **err)
{
  char *end;
  long v = strtol (s, &end, 10);
  if (s[0] == '\0' || *end != '\0' || v < min || v > max)
    return keel_err (err, 0, "%s: expected a number from %d to %d, got \"%s\"", option, min, max, s);
  *out = (int)v;
  return 0;
}
