/* Small helpers shared by imagetool's verbs. */
#include "config.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"

void util_gen_tree (yajl_gen g, yajl_val v)
{
  if (YAJL_IS_OBJECT (v))
    {
      yajl_gen_map_open (g);
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          json_gen_key (g, v->u.object.keys[i]);
          util_gen_tree (g, v->u.object.values[i]);
        }
      yajl_gen_map_close (g);
    }
  else if (YAJL_IS_ARRAY (v))
    {
      yajl_gen_array_open (g);
      for (size_t i = 0; i < v->u.array.len; i++)
        util_gen_tree (g, v->u.array.values[i]);
      yajl_gen_array_close (g);
    }
  else if (YAJL_IS_STRING (v))
    json_gen_str (g, v->u.string);
  else if (YAJL_IS_NUMBER (v))
    yajl_gen_number (g, v->u.number.r, strlen (v->u.number.r));
  else if (YAJL_IS_TRUE (v) || YAJL_IS_FALSE (v))
    yajl_gen_bool (g, YAJL_IS_TRUE (v));
  else
    yajl_gen_null (g);
}

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
