/* imagetool: global options and verb dispatch. */
#include "config.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "commands.h"
#include "store.h"

struct verb
{
  const char *name;
  int (*fn) (struct imagetool_ctx *, int, char **);
  const char *help;
  bool bundle_flags; /* takes the unpack flags (listed by VERB --help) */
};

static const struct verb verbs[] = {
  { "pull", cmd_pull,
    "pull [--platform OS/ARCH[/VARIANT]|--all-platforms] [--jobs N] [--quiet] [--tls-verify=false]\n"
    "       [--creds USER:PASS] [--authfile FILE] [--cert-dir DIR] [--retries N] [--limit-rate BYTES]\n"
    "       [--registries-conf FILE] [BUNDLE FLAGS] REF [BUNDLE [-- ARGS...]]\n"
    "       fetch an image into the store, then (with BUNDLE) unpack it into an OCI bundle",
    true },
  { "unpack", cmd_unpack, "unpack [BUNDLE FLAGS] REF BUNDLE [-- ARGS...]: a stored image into a new OCI bundle", true },
  { "config", cmd_config, "config [BUNDLE FLAGS] REF [-- ARGS...]: print the config.json unpack would write", true },
  { "import", cmd_import, "import FILE [REF]: a docker-archive (docker save) or oci-archive file into the store",
    false },
  { "export", cmd_export,
    "export [--format oci-archive|docker-archive] [--platform OS/ARCH] REF FILE: a stored image as a file", false },
  { "images", cmd_images, "images [--format table|json]: list the stored images", false },
  { "inspect", cmd_inspect, "inspect [--raw|--config] REF: manifest and config of a stored image", false },
  { "tag", cmd_tag, "tag SRC DST: another name for a stored image", false },
  { "rm", cmd_rm, "rm REF...: remove names (blobs go with gc)", false },
  { "gc", cmd_gc, "gc: remove unreferenced blobs and stale partial downloads", false },
  { "fsck", cmd_fsck, "fsck: re-verify every blob", false },
  { "login", cmd_login, "login [-u USER] [-p PASS|--password-stdin] REGISTRY: check and store credentials", false },
  { "logout", cmd_logout, "logout REGISTRY | --all: remove stored credentials", false },
};

/* Each verb's own options for VERB --help (the man pages say the same: tests/docs/man.bats). */
static const struct
{
  const char *verb, *text;
} verb_options[] = {
  { "pull", "  --platform OS/ARCH[/VARIANT]  the image of an index to fetch (default: this host)\n"
            "  --all-platforms               fetch every image of an index\n"
            "  -j, --jobs N                  blobs fetched in parallel (default: 3)\n"
            "  -q, --quiet                   no progress output\n"
            "  --tls-verify=false            allow plain HTTP and unverified certificates\n"
            "  --creds USER:PASS             credentials instead of the auth files\n"
            "  --authfile FILE               read credentials from FILE only\n"
            "  --cert-dir DIR                CA certificates (*.crt) and client certificate (*.cert, *.key)\n"
            "  --retries N                   attempts per request (default: 5)\n"
            "  --limit-rate BYTES            bound on the download rate, bytes per second\n"
            "  --registries-conf FILE        registries.conf to use (search list, mirrors, insecure)\n" },
  { "export",
    "  --format oci-archive|docker-archive  archive format (default: oci-archive)\n"
    "  --platform OS/ARCH[/VARIANT]        docker-archive: the image of an index to write (default: this host)\n" },
  { "images", "  --format table|json  output format (default: table)\n" },
  { "inspect", "  --raw     print the manifest (or index) exactly as stored\n"
               "  --config  print the image configuration only\n" },
  { "login", "  -u, --username USER     user name (required)\n"
             "  -p, --password PASS     password (default: prompt on the terminal)\n"
             "  --password-stdin        read the password from stdin\n"
             "  --authfile FILE         where to store them (default: $REGISTRY_AUTH_FILE,\n"
             "                          $XDG_RUNTIME_DIR/containers/auth.json)\n"
             "  --tls-verify=false      allow plain HTTP and unverified certificates\n"
             "  --cert-dir DIR          CA and client certificates for the registry\n" },
  { "logout", "  -a, --all          remove the credentials of every registry\n"
              "  --authfile FILE    the auth file to edit\n" },
};

static void usage (FILE *out)
{
  fprintf (out, "usage: imagetool [--store DIR] [--debug] VERB [ARGS]\n\nverbs:\n");
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    fprintf (out, "  %s\n", verbs[i].help);
  fprintf (out, "\nglobal options:\n"
                "  --store DIR  the image store (default: /var/lib/keel/images for root,\n"
                "               $XDG_DATA_HOME/keel/images otherwise)\n"
                "  --debug      debug messages (retried requests)\n"
                "  -h, --help   this list; VERB --help: the options of VERB\n"
                "  --version    print the version\n");
}

/* VERB --help (anywhere before "--"): its usage line and, for the unpacking verbs, the bundle flags. */
static bool verb_help (const struct verb *v, int argc, char **argv)
{
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strcmp (argv[i], "--help") == 0)
      {
        printf ("usage: imagetool [--store DIR] %s\n", v->help);
        for (size_t j = 0; j < sizeof verb_options / sizeof verb_options[0]; j++)
          if (strcmp (verb_options[j].verb, v->name) == 0)
            printf ("\noptions:\n%s", verb_options[j].text);
        if (v->bundle_flags)
          {
            putchar ('\n');
            cmd_unpack_flags_help (stdout);
          }
        return true;
      }
  return false;
}

int cmd_fail (struct imagetool_ctx *ctx, const char *verb, keel_error *err)
{
  keel_err_prefix (&err, "%s", verb);
  log_error (&ctx->log, err);
  keel_error_free (err);
  return 1;
}

int cmd_usage (struct imagetool_ctx *ctx, const char *verb, const char *msg)
{
  log_msg (&ctx->log, LOG_LEVEL_ERROR, "%s: %s (see imagetool --help)", verb, msg);
  return 2;
}

int main (int argc, char **argv)
{
  static const struct option opts[] = { { "store", required_argument, NULL, 's' },
                                        { "debug", no_argument, NULL, 'd' },
                                        { "help", no_argument, NULL, 'h' },
                                        { "version", no_argument, NULL, 'V' },
                                        { NULL, 0, NULL, 0 } };
  _cleanup_free_ char *default_store = NULL;
  struct imagetool_ctx ctx = { 0 };
  int c, ret;

  ctx.log.program = "imagetool";
  ctx.log.fd = STDERR_FILENO;
  ctx.log.format = LOG_FORMAT_TEXT;
  ctx.log.level = LOG_LEVEL_INFO;
  /* '+': stop at the verb, whose options are its own */
  while ((c = getopt_long (argc, argv, "+h", opts, NULL)) != -1)
    switch (c)
      {
      case 's':
        ctx.store_dir = optarg;
        break;
      case 'd':
        ctx.log.level = LOG_LEVEL_DEBUG;
        break;
      case 'h':
        usage (stdout);
        return 0;
      case 'V':
        printf ("imagetool %s\n", PACKAGE_VERSION);
        return 0;
      default:
        usage (stderr);
        return 2;
      }
  if (optind >= argc)
    {
      usage (stderr);
      return 2;
    }
  if (ctx.store_dir == NULL)
    {
      default_store = store_default_dir ();
      ctx.store_dir = default_store;
    }
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    if (strcmp (argv[optind], verbs[i].name) == 0)
      {
        if (verb_help (&verbs[i], argc - optind, argv + optind))
          return 0;
        curl_global_init (CURL_GLOBAL_DEFAULT);
        optind++;
        /* verbs parse their own options from argv[0] = the verb */
        argv[optind - 1] = (char *)verbs[i].name;
        ret = verbs[i].fn (&ctx, argc - optind + 1, argv + optind - 1);
        curl_global_cleanup ();
        return ret;
      }
  log_msg (&ctx.log, LOG_LEVEL_ERROR, "unknown verb \"%s\" (see imagetool --help)", argv[optind]);
  return 2;
}
