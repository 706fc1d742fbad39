/* containers-registries.conf(5) v2, the subset imagetool honours: unqualified-search-registries and
 * [[registry]] prefix/location/insecure/blocked with [[registry.mirror]] location/insecure. */
#ifndef KEEL_REGISTRIES_CONF_H
#define KEEL_REGISTRIES_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct registries_mirror
{
  char *location;
  bool insecure;
};

struct registries_entry
{
  char *prefix;   /* what a reference must start with (defaults to location) */
  char *location; /* where it really lives: replaces prefix */
  bool insecure;  /* plain HTTP or unverified TLS allowed */
  bool blocked;
  struct registries_mirror *mirrors;
  size_t n_mirrors;
};

struct registries_conf
{
  char **search; /* unqualified-search-registries; NULL when not set */
  struct registries_entry *entries;
  size_t n_entries;
};

/* Parse TEXT (NAME for errors: "NAME: line 3: ..."). Unknown keys and tables are ignored. */
int registries_conf_parse (const char *name, const char *text, struct registries_conf **out, keel_error **err);
/* Load PATH, or when NULL: $CONTAINERS_REGISTRIES_CONF, else ~/.config/containers/registries.conf
 * when it exists (it replaces the system file), else /etc/containers/registries.conf. A missing
 * file is an empty configuration. Then the drop-ins (*.conf, lexical order, containers-registries.conf.d(5)):
 * PATH.d for an explicit PATH; ~/.config/containers/registries.conf.d for the user's file;
 * /etc/containers/registries.conf.d then the user's directory for the system file. A drop-in's
 * unqualified-search-registries replaces the list; its [[registry]] replaces one with the same prefix. */
int registries_conf_load (const char *path, struct registries_conf **out, keel_error **err);
/* The entry whose prefix matches NAME ("domain/path") best: equal, or a prefix followed by "/" or ":"
 * (the longest wins). NULL when none. */
const struct registries_entry *registries_conf_find (const struct registries_conf *c, const char *name);
void registries_conf_free (struct registries_conf *c);
void registries_conf_freep (struct registries_conf **c);
#define _cleanup_registries_conf_ __attribute__ ((cleanup (registries_conf_freep)))

#endif
