/* imagetool login / logout: credentials in auth.json, checked against the registry before they are saved. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "cleanup.h"
#include "commands.h"
#include "reference.h"
#include "registry.h"
#include "util.h"

/* A password from stdin (first line) or, on a TTY, a prompt that does not echo. */
static char *read_password (bool from_stdin)
{
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;

  if (!from_stdin)
    {
      char *p = getpass ("Password: ");
      return p ? strdup (p) : NULL;
    }
  n = getline (&line, &cap, stdin);
  if (n < 0)
    {
      free (line);
      return NULL;
    }
  line[strcspn (line, "\r\n")] = '\0';
  return line;
}

struct login_flags
{
  const char *username, *password, *authfile, *cert_dir;
  bool password_stdin, tls_verify;
};

static int parse_login (int argc, char **argv, struct login_flags *f, keel_error **err)
{
  enum
  {
    OPT_STDIN = 256,
    OPT_AUTHFILE,
    OPT_TLS,
    OPT_CERTDIR,
  };
  static const struct option opts[] = { { "username", required_argument, NULL, 'u' },
                                        { "password", required_argument, NULL, 'p' },
                                        { "password-stdin", no_argument, NULL, OPT_STDIN },
                                        { "authfile", required_argument, NULL, OPT_AUTHFILE },
                                        { "tls-verify", required_argument, NULL, OPT_TLS },
                                        { "cert-dir", required_argument, NULL, OPT_CERTDIR },
                                        { NULL, 0, NULL, 0 } };
  int c;

  f->tls_verify = true;
  optind = 0;
  while ((c = getopt_long (argc, argv, "u:p:", opts, NULL)) != -1)
    switch (c)
      {
      case 'u':
        f->username = optarg;
        break;
      case 'p':
        f->password = optarg;
        break;
      case OPT_STDIN:
        f->password_stdin = true;
        break;
      case OPT_AUTHFILE:
        f->authfile = optarg;
        break;
      case OPT_CERTDIR:
        f->cert_dir = optarg;
        break;
      case OPT_TLS:
        if (util_parse_bool ("--tls-verify", optarg, &f->tls_verify, err) < 0)
          return -1;
        break;
      default:
        return keel_err (err, 0, "invalid option");
      }
  return 0;
}

int cmd_login (struct imagetool_ctx *ctx, int argc, char **argv)
{
  struct login_flags f = { 0 };
  struct registry_options ro = { 0 };
  _cleanup_free_ char *domain = NULL, *pass = NULL, *file = NULL, *creds = NULL;
  keel_error *err = NULL;
  int r;

  if (parse_login (argc, argv, &f, &err) < 0)
    return cmd_fail (ctx, "login", err);
  if (argc - optind != 1)
    return cmd_usage (ctx, "login", "expected one registry");
  if (f.username == NULL)
    return cmd_usage (ctx, "login", "--username is required");
  domain = reference_normalize_domain (argv[optind]);
  pass = f.password ? strdup (f.password) : read_password (f.password_stdin);
  file = auth_default_file (f.authfile);
  if (domain == NULL || pass == NULL || file == NULL || asprintf (&creds, "%s:%s", f.username, pass) < 0)
    return cmd_fail (ctx, "login", (keel_err (&err, 0, "cannot read the password"), err));
  ro.creds = creds;
  ro.tls_verify = f.tls_verify;
  ro.cert_dir = f.cert_dir;
  ro.jobs = 1;
  ro.retries = 3;
  ro.log = &ctx->log;
  r = registry_check_login (domain, &ro, &err);
  explicit_bzero (creds, strlen (creds));
  if (r < 0 || auth_store (file, domain, f.username, pass, &err) < 0)
    {
      explicit_bzero (pass, strlen (pass));
      return cmd_fail (ctx, "login", err);
    }
  explicit_bzero (pass, strlen (pass));
  printf ("Login Succeeded!\n");
  return 0;
}

int cmd_logout (struct imagetool_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[]
      = { { "all", no_argument, NULL, 'a' }, { "authfile", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
  _cleanup_free_ char *domain = NULL, *file = NULL;
  const char *authfile = NULL;
  keel_error *err = NULL;
  bool all = false;
  int c, r;

  optind = 0;
  while ((c = getopt_long (argc, argv, "a", opts, NULL)) != -1)
    if (c == 'a')
      all = true;
    else if (c == 'f')
      authfile = optarg;
    else
      return cmd_usage (ctx, "logout", "invalid option");
  if (argc - optind != (all ? 0 : 1))
    return cmd_usage (ctx, "logout", all ? "--all takes no registry" : "expected one registry");
  domain = all ? NULL : reference_normalize_domain (argv[optind]);
  file = auth_default_file (authfile);
  if ((!all && domain == NULL) || file == NULL)
    return cmd_fail (ctx, "logout", (keel_err (&err, ENOMEM, "logout"), err));
  r = auth_remove (file, domain, all, &err);
  if (r < 0)
    return cmd_fail (ctx, "logout", err);
  if (r == 0 && !all)
    return cmd_fail (ctx, "logout", (keel_err (&err, 0, "not logged into %s", domain), err));
  if (all)
    printf ("Removed login credentials for all registries\n");
  else
    printf ("Removed login credentials for %s\n", domain);
  return 0;
}
