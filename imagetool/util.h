/* Small helpers shared by imagetool's verbs: option parsing. */
#ifndef KEEL_IMAGETOOL_UTIL_H
#define KEEL_IMAGETOOL_UTIL_H

#include <stdbool.h>

#include "error.h"

/* Parse "true"/"false" (also 1/0, yes/no) for OPTION; -1 with a message naming OPTION otherwise. */
int util_parse_bool (const char *option, const char *s, bool *out, keel_error **err);
/* Parse a positive int for OPTION within [MIN, MAX]. */
int util_parse_int (const char *option, const char *s, int min, int max, int *out, keel_error **err);

#endif
