/* libFuzzer target: containers-registries.conf(5) parsing and prefix lookup (imagetool/registries_conf.c). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "imagetool/registries_conf.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *names[] = { "docker.io/library/alpine", "quay.io/a/b:t", "localhost:5000/x", "example.com" };
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_free_ char *text = strndup ((const char *)data, size);
  _cleanup_registries_conf_ struct registries_conf *c = NULL;

  if (text == NULL || registries_conf_parse ("registries.conf", text, &c, &err) < 0)
    return 0;
  for (size_t i = 0; i < sizeof (names) / sizeof (names[0]); i++)
    {
      const struct registries_entry *e = registries_conf_find (c, names[i]);
      /* What is found belongs to the table and has a prefix that matches the name. */
      if (e != NULL
          && (e < c->entries || e >= c->entries + c->n_entries || e->prefix == NULL
              || strncmp (names[i], e->prefix, strlen (e->prefix)) != 0))
        abort ();
    }
  return 0;
}
