/* runtime list: the containers under --root, as a table, ids only (-q) or JSON. */
#include "config.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "container.h"
#include "json.h"

static void print_json (runtime_state **v, size_t n)
{
  _cleanup_json_gen_ yajl_gen gen = json_gen_new (false);
  const unsigned char *buf;
  size_t len;

  yajl_gen_array_open (gen);
  for (size_t i = 0; i < n; i++)
    {
      yajl_gen_map_open (gen);
      json_gen_kv_str (gen, "ociVersion", v[i]->oci_version != NULL ? v[i]->oci_version : KEEL_OCI_VERSION);
      json_gen_kv_str (gen, "id", v[i]->id);
      json_gen_kv_int (gen, "pid", v[i]->status[0] == 's' ? 0 : v[i]->pid);
      json_gen_kv_str (gen, "status", v[i]->status);
      json_gen_kv_str (gen, "bundle", v[i]->bundle);
      json_gen_kv_str (gen, "rootfs", v[i]->rootfs);
      json_gen_kv_str (gen, "created", v[i]->created);
      json_gen_kv_str (gen, "owner", v[i]->owner != NULL ? v[i]->owner : "");
      yajl_gen_map_close (gen);
    }
  yajl_gen_array_close (gen);
  yajl_gen_get_buf (gen, &buf, &len);
  printf ("%.*s\n", (int)len, buf);
}

int cmd_list (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  static const struct option opts[] = {
    { "quiet", no_argument, NULL, 'q' },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  _cleanup_closedir_ DIR *d = NULL;
  runtime_state *v[4096];
  size_t n = 0;
  bool quiet = false, json = false;
  struct dirent *e;
  int c;

  while ((c = getopt_long (argc, argv, "+qf:h", opts, NULL)) != -1)
    switch (c)
      {
      case 'q':
        quiet = true;
        break;
      case 'f':
        if (strcmp (optarg, "json") != 0 && strcmp (optarg, "table") != 0)
          return keel_err (err, 0, "list: --format: expected table or json, got `%s`", optarg);
        json = strcmp (optarg, "json") == 0;
        break;
      case 'h':
        runtime_verb_usage ("list", "[-q|--quiet] [-f|--format table|json]",
                            "  -q, --quiet         print the container ids only\n"
                            "  -f, --format FORMAT table (default) or json\n");
        return 0;
      default:
        return keel_err (err, 0, "list: unknown option `%s`", argv[optind - 1]);
      }
  d = opendir (g->root);
  if (d == NULL)
    {
      if (json)
        printf ("[]\n");
      else if (!quiet)
        printf ("ID          PID         STATUS      BUNDLE      CREATED     OWNER\n");
      return 0;
    }
  while ((e = readdir (d)) != NULL && n < sizeof (v) / sizeof (v[0]))
    {
      state_dir sd;
      keel_error *le = NULL;
      if (e->d_name[0] == '.' || state_dir_check_id (e->d_name, NULL) < 0)
        continue;
      /* A container that vanished meanwhile is simply not listed. */
      if (container_peek (g, e->d_name, &sd, &v[n], &le) < 0)
        {
          keel_error_free (le);
          continue;
        }
      state_dir_close (&sd);
      n++;
    }
  if (json)
    print_json (v, n);
  else if (quiet)
    for (size_t i = 0; i < n; i++)
      printf ("%s\n", v[i]->id);
  else
    {
      printf ("%-12s%-12s%-12s%-40s%-32s%s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
      for (size_t i = 0; i < n; i++)
        printf ("%-12s%-12d%-12s%-40s%-32s%s\n", v[i]->id, v[i]->status[0] == 's' ? 0 : v[i]->pid, v[i]->status,
                v[i]->bundle, v[i]->created != NULL ? v[i]->created : "",
                v[i]->owner != NULL && *v[i]->owner ? v[i]->owner : "root");
    }
  for (size_t i = 0; i < n; i++)
    runtime_state_free (v[i]);
  return 0;
}
