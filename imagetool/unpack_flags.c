/* The options shared by `imagetool unpack REF BUNDLE`, `pull REF BUNDLE` and `config REF`. */
#include "config.h"
#include "unpack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void unpack_flags_init (struct unpack_flags *f)
{
  memset (f, 0, sizeof (*f));
  f->bundle.rootless = f->layer.rootless = geteuid () != 0;
}

static int push (char ***v, const char *s, keel_error **err)
{
  size_t n = 0;
  char **nv;
  while (*v != NULL && (*v)[n] != NULL)
    n++;
  if ((nv = realloc (*v, (n + 2) * sizeof (char *))) == NULL)
    return keel_err (err, ENOMEM, "options");
  nv[n] = (char *)s; /* points into argv */
  nv[n + 1] = NULL;
  *v = nv;
  return 0;
}

static int parse_size (const char *s, uint64_t *out, keel_error **err)
{
  char *end;
  errno = 0;
  *out = strtoull (s, &end, 10);
  if (errno != 0 || end == s || *s == '-')
    return keel_err (err, 0, "invalid size \"%s\"", s);
  switch (*end)
    {
    case 'G':
      *out <<= 10; /* fall through */
    case 'M':
      *out <<= 10; /* fall through */
    case 'K':
      *out <<= 10;
      end++;
      break;
    default:
      break;
    }
  return *end == '\0' ? 0 : keel_err (err, 0, "invalid size \"%s\": expected BYTES[K|M|G]", s);
}

/* Options that take a value; set *VAL from "--opt=V" or the next word. */
static bool matches (const char *arg, const char *name, const char *shortname, int argc, char **argv, int *i,
                     const char **val, keel_error **err, int *bad)
{
  size_t n = strlen (name);
  if (strncmp (arg, name, n) == 0 && arg[n] == '=')
    {
      *val = arg + n + 1;
      return true;
    }
  if (strcmp (arg, name) != 0 && (shortname == NULL || strcmp (arg, shortname) != 0))
    return false;
  if (*i + 1 >= argc)
    {
      *bad = keel_err (err, 0, "%s needs a value", name);
      return true;
    }
  *val = argv[++*i];
  return true;
}

static int set_flag (struct unpack_flags *f, const char *name, const char *v, keel_error **err)
{
  if (strcmp (name, "--hostname") == 0)
    f->bundle.hostname = v;
  else if (strcmp (name, "--user") == 0)
    f->bundle.user = v;
  else if (strcmp (name, "--workdir") == 0)
    f->bundle.workdir = v;
  else if (strcmp (name, "--platform") == 0)
    f->platform = v;
  else if (strcmp (name, "--volumes") == 0)
    return bundle_volumes_parse (v, &f->bundle, err);
  else if (strcmp (name, "--max-size") == 0)
    return parse_size (v, &f->layer.max_size, err);
  else if (strcmp (name, "--env") == 0)
    return push (&f->env, v, err) < 0 ? -1 : (f->bundle.env = f->env, 0);
  else if (strcmp (name, "--entrypoint") == 0)
    return push (&f->entrypoint, v, err) < 0 ? -1 : (f->bundle.entrypoint = f->entrypoint, 0);
  else if (strcmp (name, "--uid-map") == 0)
    return layer_id_map_parse (v, &f->uid_map, &f->layer.uid_map_len, err) < 0 ? -1
                                                                               : (f->layer.uid_map = f->uid_map, 0);
  else if (strcmp (name, "--gid-map") == 0)
    return layer_id_map_parse (v, &f->gid_map, &f->layer.gid_map_len, err) < 0 ? -1
                                                                               : (f->layer.gid_map = f->gid_map, 0);
  return 0;
}

int unpack_flags_parse (struct unpack_flags *f, int argc, char **argv, int *i, keel_error **err)
{
  static const char *const valued[][2] = {
    { "--hostname", NULL },   { "--user", "-u" },     { "--workdir", "-w" },  { "--env", "-e" },
    { "--entrypoint", NULL }, { "--volumes", NULL },  { "--max-size", NULL }, { "--uid-map", NULL },
    { "--gid-map", NULL },    { "--platform", NULL },
  };
  const char *arg = argv[*i], *val = NULL;
  int bad = 0;

  if (strcmp (arg, "--rootless") == 0)
    return f->bundle.rootless = f->layer.rootless = true, 1;
  if (strcmp (arg, "--tty") == 0 || strcmp (arg, "-t") == 0)
    return f->bundle.tty = true, 1;
  if (strcmp (arg, "--read-only") == 0)
    return f->bundle.read_only = true, 1;
  /* --snapshot alone means auto; a value only with "=" (the next word is the REF) */
  if (strcmp (arg, "--snapshot") == 0)
    return f->snapshot = SNAPSHOT_AUTO, 1;
  if (strncmp (arg, "--snapshot=", 11) == 0)
    return snapshot_mode_parse (arg + 11, &f->snapshot, err) < 0 ? -1 : 1;
  if (strcmp (arg, "--no-snapshot") == 0)
    return f->snapshot = SNAPSHOT_OFF, 1;
  for (size_t k = 0; k < sizeof (valued) / sizeof (valued[0]); k++)
    if (matches (arg, valued[k][0], valued[k][1], argc, argv, i, &val, err, &bad))
      {
        if (bad < 0 || set_flag (f, valued[k][0], val, err) < 0)
          return -1;
        return 1;
      }
  return 0;
}

void unpack_flags_set_args (struct unpack_flags *f, char **args)
{
  f->bundle.args = args;
}

void unpack_flags_clear (struct unpack_flags *f)
{
  free (f->entrypoint);
  free (f->env);
  free (f->uid_map);
  free (f->gid_map);
  memset (f, 0, sizeof (*f));
}
