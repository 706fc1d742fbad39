/* registries.conf: a small TOML-subset reader for the keys imagetool uses (see registries_conf.h). */
#include "config.h"
#include "registries_conf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

/* Which table the following keys belong to. */
enum section
{
  SEC_TOP,
  SEC_REGISTRY,
  SEC_MIRROR,
  SEC_OTHER,
};

struct parser
{
  const char *name;
  int line;
  keel_error **err;
};

static int perr (struct parser *p, const char *what, const char *detail)
{
  return keel_err (p->err, 0, "%s: line %d: %s%s", p->name, p->line, what, detail ? detail : "");
}

static char *trim (char *s)
{
  char *e;
  while (isspace ((unsigned char)*s))
    s++;
  e = s + strlen (s);
  while (e > s && isspace ((unsigned char)e[-1]))
    *--e = '\0';
  return s;
}

/* Cut LINE at a '#' that is not inside a string. */
static void strip_comment (char *line)
{
  char quote = 0;
  for (char *c = line; *c; c++)
    {
      if (quote == '"' && *c == '\\' && c[1] != '\0')
        c++;
      else if (quote != 0 && *c == quote)
        quote = 0;
      else if (quote == 0 && (*c == '"' || *c == '\''))
        quote = *c;
      else if (quote == 0 && *c == '#')
        {
          *c = '\0';
          return;
        }
    }
}

/* A basic or literal TOML string at *s; advances *s past it. */
static char *parse_string (struct parser *p, const char **s)
{
  char q = **s, *out, *o;
  const char *c = *s + 1;

  if (q != '"' && q != '\'')
    return perr (p, "expected a string", NULL), NULL;
  out = o = malloc (strlen (c) + 1);
  if (out == NULL)
    return keel_err (p->err, ENOMEM, "registries.conf"), NULL;
  for (; *c && *c != q; c++)
    {
      if (q == '"' && *c == '\\' && c[1] != '\0')
        c++;
      *o++ = *c;
    }
  if (*c != q)
    {
      free (out);
      return perr (p, "unterminated string", NULL), NULL;
    }
  *o = '\0';
  *s = c + 1;
  return out;
}

static int parse_bool (struct parser *p, const char *v, bool *out)
{
  if (strcmp (v, "true") == 0)
    *out = true;
  else if (strcmp (v, "false") == 0)
    *out = false;
  else
    return perr (p, "expected true or false, got ", v);
  return 0;
}

/* ["a", "b"] (already joined across lines). */
static int parse_array (struct parser *p, const char *v, char ***out)
{
  size_t n = 0;
  char **arr = calloc (1, sizeof *arr);

  if (arr == NULL || *v != '[')
    {
      free (arr);
      return arr ? perr (p, "expected an array", NULL) : keel_err (p->err, ENOMEM, "registries.conf");
    }
  v++;
  for (;;)
    {
      char **na;
      while (isspace ((unsigned char)*v) || *v == ',')
        v++;
      if (*v == ']')
        break;
      na = realloc (arr, (n + 2) * sizeof *na);
      if (na == NULL)
        break;
      arr = na;
      arr[n] = parse_string (p, &v);
      if (arr[n] == NULL)
        {
          keel_strv_freep (&arr);
          return -1;
        }
      arr[++n] = NULL;
    }
  *out = arr;
  return 0;
}

static int set_string (struct parser *p, char **slot, const char *v)
{
  char *s = parse_string (p, &v);
  if (s == NULL)
    return -1;
  free (*slot);
  *slot = s;
  return 0;
}

static int add_entry (struct registries_conf *c, keel_error **err)
{
  struct registries_entry *e = realloc (c->entries, (c->n_entries + 1) * sizeof *e);
  if (e == NULL)
    return keel_err (err, ENOMEM, "registries.conf");
  c->entries = e;
  memset (&e[c->n_entries++], 0, sizeof *e);
  return 0;
}

static int add_mirror (struct registries_entry *e, keel_error **err)
{
  struct registries_mirror *m = realloc (e->mirrors, (e->n_mirrors + 1) * sizeof *m);
  if (m == NULL)
    return keel_err (err, ENOMEM, "registries.conf");
  e->mirrors = m;
  memset (&m[e->n_mirrors++], 0, sizeof *m);
  return 0;
}

static int set_key (struct parser *p, struct registries_conf *c, enum section sec, const char *key, const char *v)
{
  struct registries_entry *e = c->n_entries ? &c->entries[c->n_entries - 1] : NULL;
  struct registries_mirror *m = e && e->n_mirrors ? &e->mirrors[e->n_mirrors - 1] : NULL;

  if (sec == SEC_TOP && strcmp (key, "unqualified-search-registries") == 0)
    {
      keel_strv_freep (&c->search);
      return parse_array (p, v, &c->search);
    }
  if (sec == SEC_REGISTRY && strcmp (key, "location") == 0)
    return set_string (p, &e->location, v);
  if (sec == SEC_REGISTRY && strcmp (key, "prefix") == 0)
    return set_string (p, &e->prefix, v);
  if (sec == SEC_REGISTRY && strcmp (key, "insecure") == 0)
    return parse_bool (p, v, &e->insecure);
  if (sec == SEC_REGISTRY && strcmp (key, "blocked") == 0)
    return parse_bool (p, v, &e->blocked);
  if (sec == SEC_MIRROR && strcmp (key, "location") == 0)
    return set_string (p, &m->location, v);
  if (sec == SEC_MIRROR && strcmp (key, "insecure") == 0)
    return parse_bool (p, v, &m->insecure);
  return 0; /* short-name-mode, aliases, pull-from-mirror…: not ours */
}

static int parse_header (struct parser *p, struct registries_conf *c, const char *h, enum section *sec)
{
  if (strcmp (h, "[[registry]]") == 0)
    {
      *sec = SEC_REGISTRY;
      return add_entry (c, p->err);
    }
  if (strcmp (h, "[[registry.mirror]]") == 0)
    {
      if (c->n_entries == 0)
        return perr (p, "[[registry.mirror]] before any [[registry]]", NULL);
      *sec = SEC_MIRROR;
      return add_mirror (&c->entries[c->n_entries - 1], p->err);
    }
  *sec = SEC_OTHER;
  return 0;
}

/* Check what the entries need: a location or a prefix; mirrors with a location. */
static int finish (struct parser *p, struct registries_conf *c)
{
  for (size_t i = 0; i < c->n_entries; i++)
    {
      struct registries_entry *e = &c->entries[i];
      if (e->location == NULL && e->prefix == NULL)
        return keel_err (p->err, 0, "%s: [[registry]] %zu: needs a location or a prefix", p->name, i + 1);
      if (e->prefix == NULL && (e->prefix = strdup (e->location)) == NULL)
        return keel_err (p->err, ENOMEM, "registries.conf");
      if (e->location == NULL && (e->location = strdup (e->prefix)) == NULL)
        return keel_err (p->err, ENOMEM, "registries.conf");
      for (size_t j = 0; j < e->n_mirrors; j++)
        if (e->mirrors[j].location == NULL)
          return keel_err (p->err, 0, "%s: [[registry]] \"%s\": a mirror without location", p->name, e->prefix);
    }
  return 0;
}

int registries_conf_parse (const char *name, const char *text, struct registries_conf **out, keel_error **err)
{
  struct parser p = { name, 0, err };
  struct registries_conf *c = calloc (1, sizeof *c);
  _cleanup_free_ char *copy = strdup (text), *pending = NULL;
  enum section sec = SEC_TOP;
  char *save = NULL, *line;

  if (c == NULL || copy == NULL)
    {
      free (c);
      return keel_err (err, ENOMEM, "registries.conf");
    }
  for (line = strtok_r (copy, "\n", &save); line != NULL; line = strtok_r (NULL, "\n", &save))
    {
      char *l, *eq;
      p.line++;
      strip_comment (line);
      l = trim (line);
      if (pending != NULL)
        {
          /* a multi-line array: gather until its closing bracket */
          char *joined = NULL;
          if (asprintf (&joined, "%s %s", pending, l) < 0)
            goto nomem;
          free (pending);
          pending = joined;
          if (strchr (l, ']') == NULL)
            continue;
          l = pending;
        }
      if (*l == '\0')
        continue;
      if (*l == '[')
        {
          if (parse_header (&p, c, l, &sec) < 0)
            goto fail;
          continue;
        }
      eq = strchr (l, '=');
      if (eq == NULL)
        {
          perr (&p, "expected key = value: ", l);
          goto fail;
        }
      *eq = '\0';
      char *key = trim (l), *v = trim (eq + 1);
      if (*v == '[' && strchr (v, ']') == NULL)
        {
          char *kv = NULL;
          if (asprintf (&kv, "%s=%s", key, v) < 0)
            goto nomem;
          free (pending);
          pending = kv;
          continue;
        }
      if (key[0] == '"' && key[strlen (key) - 1] == '"')
        continue; /* quoted keys only appear in [aliases] */
      if (set_key (&p, c, sec, key, v) < 0)
        goto fail;
      if (l == pending)
        {
          free (pending);
          pending = NULL;
        }
    }
  if (pending != NULL)
    {
      perr (&p, "unterminated array", NULL);
      goto fail;
    }
  if (finish (&p, c) < 0)
    goto fail;
  *out = c;
  return 0;
nomem:
  keel_err (err, ENOMEM, "registries.conf");
fail:
  registries_conf_free (c);
  return -1;
}

static int load_file (const char *path, struct registries_conf **out, keel_error **err)
{
  _cleanup_free_ char *text = NULL;

  if (access (path, F_OK) < 0)
    return registries_conf_parse (path, "", out, err);
  if (read_file (path, &text, NULL, err) < 0)
    return -1;
  return registries_conf_parse (path, text, out, err);
}

static void entry_clear (struct registries_entry *e)
{
  free (e->prefix);
  free (e->location);
  for (size_t j = 0; j < e->n_mirrors; j++)
    free (e->mirrors[j].location);
  free (e->mirrors);
  memset (e, 0, sizeof *e);
}

/* containers-registries.conf.d(5): "Specified fields in a conf file will overwrite any previous setting
 * ... The [[registry]] tables merged by overwriting existing items if the prefixes are identical while
 * new ones are added." Moves DROP's contents into C. */
static int merge (struct registries_conf *c, struct registries_conf *drop, keel_error **err)
{
  if (drop->search != NULL)
    {
      keel_strv_freep (&c->search);
      c->search = keel_steal_ptr (drop->search);
    }
  for (size_t i = 0; i < drop->n_entries; i++)
    {
      struct registries_entry *slot = NULL;
      for (size_t j = 0; j < c->n_entries && slot == NULL; j++)
        if (strcmp (c->entries[j].prefix, drop->entries[i].prefix) == 0)
          slot = &c->entries[j];
      if (slot == NULL)
        {
          if (add_entry (c, err) < 0)
            return -1;
          slot = &c->entries[c->n_entries - 1];
        }
      entry_clear (slot);
      *slot = drop->entries[i];
      memset (&drop->entries[i], 0, sizeof drop->entries[i]);
    }
  return 0;
}

static int conf_name_filter (const struct dirent *e)
{
  size_t n = strlen (e->d_name);
  return n > 5 && e->d_name[0] != '.' && strcmp (e->d_name + n - 5, ".conf") == 0;
}

/* strcmp order: "alpha-numerical" in the man page, and independent of the locale */
static int conf_name_cmp (const struct dirent **a, const struct dirent **b)
{
  return strcmp ((*a)->d_name, (*b)->d_name);
}

/* Apply DIR/ *.conf (regular files only; a missing DIR is fine) in order on top of C. */
static int apply_dropins (struct registries_conf *c, const char *dir, keel_error **err)
{
  struct dirent **names = NULL;
  int n = scandir (dir, &names, conf_name_filter, conf_name_cmp), ret = 0;

  if (n < 0)
    return errno == ENOENT || errno == ENOTDIR ? 0 : keel_err_errno (err, "scan `%s`", dir);
  for (int i = 0; i < n; i++)
    {
      _cleanup_free_ char *p = NULL;
      _cleanup_registries_conf_ struct registries_conf *drop = NULL;
      struct stat st;
      if (ret == 0 && asprintf (&p, "%s/%s", dir, names[i]->d_name) < 0)
        ret = keel_err (err, ENOMEM, "registries.conf.d");
      /* "other files and sub-directories are ignored" */
      if (ret == 0 && stat (p, &st) == 0 && S_ISREG (st.st_mode))
        ret = (load_file (p, &drop, err) < 0 || merge (c, drop, err) < 0) ? -1 : 0;
      free (names[i]);
    }
  free (names);
  return ret;
}

int registries_conf_load (const char *path, struct registries_conf **out, keel_error **err)
{
  _cleanup_free_ char *user = NULL, *user_dir = NULL, *own_dir = NULL;
  _cleanup_registries_conf_ struct registries_conf *c = NULL;
  const char *env = getenv ("CONTAINERS_REGISTRIES_CONF"), *home = getenv ("HOME");
  const char *dirs[2] = { NULL, NULL };

  if (home != NULL
      && (asprintf (&user, "%s/.config/containers/registries.conf", home) < 0
          || asprintf (&user_dir, "%s/.config/containers/registries.conf.d", home) < 0))
    return keel_err (err, ENOMEM, "registries.conf");
  if (path == NULL && env != NULL && env[0] != '\0')
    path = env;
  if (path != NULL)
    {
      /* an explicit file brings its own drop-in directory (FILE.d) and nothing from the system or
       * the user, so a test or a one-off configuration is self-contained */
      if (asprintf (&own_dir, "%s.d", path) < 0)
        return keel_err (err, ENOMEM, "registries.conf");
      dirs[0] = own_dir;
    }
  else if (user != NULL && access (user, F_OK) == 0)
    {
      /* containers-registries.conf.d(5): with the user's registries.conf, only the user's drop-ins */
      path = user;
      dirs[0] = user_dir;
    }
  else
    {
      /* the system file, then the system drop-ins, then the user's */
      path = "/etc/containers/registries.conf";
      dirs[0] = "/etc/containers/registries.conf.d";
      dirs[1] = user_dir;
    }
  if (load_file (path, &c, err) < 0)
    return -1;
  for (size_t i = 0; i < 2; i++)
    if (dirs[i] != NULL && apply_dropins (c, dirs[i], err) < 0)
      return -1;
  *out = keel_steal_ptr (c);
  return 0;
}

const struct registries_entry *registries_conf_find (const struct registries_conf *c, const char *name)
{
  const struct registries_entry *best = NULL;
  size_t best_len = 0;

  for (size_t i = 0; i < c->n_entries; i++)
    {
      const char *pre = c->entries[i].prefix;
      size_t n = strlen (pre);
      if (strncmp (name, pre, n) == 0 && (name[n] == '\0' || name[n] == '/' || name[n] == ':' || name[n] == '@')
          && n > best_len)
        {
          best = &c->entries[i];
          best_len = n;
        }
    }
  return best;
}

void registries_conf_free (struct registries_conf *c)
{
  if (c == NULL)
    return;
  keel_strv_freep (&c->search);
  for (size_t i = 0; i < c->n_entries; i++)
    entry_clear (&c->entries[i]);
  free (c->entries);
  free (c);
}

void registries_conf_freep (struct registries_conf **c)
{
  registries_conf_free (*c);
  *c = NULL;
}
