/* runtime exec: run another process in a container's namespaces and cgroup, with its exit status. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "fsutil.h"
#include "init.h"
#include "lsm.h"

#define EXEC_USAGE "[options] ID [COMMAND [ARGS...]]"

typedef struct exec_opts
{
  const char *process_file, *cwd, *user, *pid_file, *console_socket;
  const char *process_label, *apparmor; /* --process-label, --apparmor */
  uint32_t *gids;                       /* --additional-gids */
  size_t gids_len;
  char **env;  /* -e, NULL-terminated */
  char **caps; /* --cap */
  bool tty, detach, no_new_privs;
  int preserve_fds;
  bool no_new_keyring; /* not a flag: the container was created with --no-new-keyring */
} exec_opts;

static int strv_push (char ***v, const char *s)
{
  size_t n = 0;
  char **nv;
  while (*v != NULL && (*v)[n] != NULL)
    n++;
  nv = realloc (*v, (n + 2) * sizeof (char *));
  if (nv == NULL)
    return -1;
  nv[n] = strdup (s);
  nv[n + 1] = NULL;
  *v = nv;
  return nv[n] == NULL ? -1 : 0;
}

/* --additional-gids 5,7 or repeated: runc takes both. */
static int parse_gids (const char *arg, exec_opts *o, keel_error **err)
{
  _cleanup_free_ char *copy = strdup (arg);
  char *s = copy, *tok;
  if (copy == NULL)
    return keel_err (err, ENOMEM, "exec");
  while ((tok = strsep (&s, ",")) != NULL)
    {
      char *end;
      unsigned long v = strtoul (tok, &end, 10);
      uint32_t *n;
      if (*tok == '\0' || *end != '\0' || !isdigit ((unsigned char)*tok) || v > UINT32_MAX)
        return keel_err (err, 0, "exec: --additional-gids: `%s` is not a group id", tok);
      n = realloc (o->gids, (o->gids_len + 1) * sizeof (*n));
      if (n == NULL)
        return keel_err (err, ENOMEM, "exec");
      o->gids = n;
      o->gids[o->gids_len++] = (uint32_t)v;
    }
  return 0;
}

static int parse_flags (int argc, char **argv, exec_opts *o, keel_error **err)
{
  static const struct option opts[] = {
    { "process", required_argument, NULL, 'p' },
    { "tty", no_argument, NULL, 't' },
    { "detach", no_argument, NULL, 'd' },
    { "cwd", required_argument, NULL, 'C' },
    { "env", required_argument, NULL, 'e' },
    { "user", required_argument, NULL, 'u' },
    { "cap", required_argument, NULL, 'c' },
    { "no-new-privs", no_argument, NULL, 'n' },
    { "pid-file", required_argument, NULL, 'P' },
    { "console-socket", required_argument, NULL, 's' },
    { "preserve-fds", required_argument, NULL, 'f' },
    { "process-label", required_argument, NULL, 'l' },
    { "apparmor", required_argument, NULL, 'a' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;
  while ((c = getopt_long (argc, argv, "+p:tde:u:h", opts, NULL)) != -1)
    switch (c)
      {
      case 'p':
        o->process_file = optarg;
        break;
      case 't':
        o->tty = true;
        break;
      case 'd':
        o->detach = true;
        break;
      case 'C':
        o->cwd = optarg;
        break;
      case 'e':
        if (strv_push (&o->env, optarg) < 0)
          return keel_err (err, ENOMEM, "exec");
        break;
      case 'u':
        o->user = optarg;
        break;
      case 'c':
        if (strv_push (&o->caps, optarg) < 0)
          return keel_err (err, ENOMEM, "exec");
        break;
      case 'n':
        o->no_new_privs = true;
        break;
      case 'P':
        o->pid_file = optarg;
        break;
      case 's':
        o->console_socket = optarg;
        break;
      case 'f':
        o->preserve_fds = atoi (optarg);
        if (o->preserve_fds < 0)
          return keel_err (err, 0, "exec: --preserve-fds: expected a non-negative number");
        break;
      case 'l':
        o->process_label = optarg;
        break;
      case 'a':
        o->apparmor = optarg;
        break;
      case 'g':
        if (parse_gids (optarg, o, err) < 0)
          return -1;
        break;
      case 'h':
        runtime_verb_usage (
            "exec", EXEC_USAGE,
            "  -p, --process FILE   process.json to run instead of COMMAND\n"
            "  -t, --tty            allocate a pseudo-TTY\n"
            "  -d, --detach         do not wait for the process\n"
            "  --cwd DIR            working directory\n"
            "  -e, --env K=V        add or replace an environment variable\n"
            "  -u, --user UID[:GID] user to run as\n"
            "  --cap CAP            add a capability\n"
            "  --no-new-privs       set no_new_privs\n"
            "  --pid-file PATH      write the process's pid there\n"
            "  --console-socket P   send the pty master there\n"
            "  --preserve-fds N     pass N fds beyond stdio\n"
            "  --process-label L, --apparmor P, --additional-gids G\n"
            "                       SELinux label, AppArmor profile, extra groups (GID[,GID...], repeatable)\n");
        return 1;
      default:
        return keel_err (err, 0, "exec: unknown option `%s` (usage: runtime exec %s)", argv[optind - 1], EXEC_USAGE);
      }
  return 0;
}

/* -p FILE holds only a process object: parse it as the process of a minimal config. */
static int load_process_file (const char *path, struct runtime_config **out, keel_error **err)
{
  _cleanup_free_ char *text = NULL, *doc = NULL;
  size_t len = 0;
  if (read_file (path, &text, &len, err) < 0)
    return -1;
  if (asprintf (&doc, "{\"ociVersion\":\"%s\",\"root\":{\"path\":\"/\"},\"process\":%s}", RUNTIME_CONFIG_OCI_VERSION,
                text)
      < 0)
    return keel_err (err, ENOMEM, "exec");
  return runtime_config_parse (path, doc, strlen (doc), out, err);
}

static int set_env (struct rc_process *p, const char *kv, keel_error **err)
{
  size_t klen = strcspn (kv, "=");
  for (char **e = p->env; e != NULL && *e != NULL; e++)
    if (strncmp (*e, kv, klen) == 0 && (*e)[klen] == '=')
      {
        free (*e);
        *e = strdup (kv);
        return 0;
      }
  if (strv_push (&p->env, kv) < 0)
    return keel_err (err, ENOMEM, "exec");
  return 0;
}

static int replace_str (char **field, const char *value, keel_error **err)
{
  char *v = strdup (value);
  if (v == NULL)
    return keel_err (err, ENOMEM, "exec");
  free (*field);
  *field = v;
  return 0;
}

/* runc's exec flags for process.selinuxLabel, process.apparmorProfile and
 * process.user.additionalGids (added to those of the process). */
static int set_labels_and_groups (struct rc_process *p, const exec_opts *o, keel_error **err)
{
  if (o->process_label != NULL && replace_str (&p->selinux_label, o->process_label, err) < 0)
    return -1;
  if (o->apparmor != NULL && replace_str (&p->apparmor_profile, o->apparmor, err) < 0)
    return -1;
  if (o->gids_len > 0)
    {
      uint32_t *n = realloc (p->user.additional_gids, (p->user.additional_gids_len + o->gids_len) * sizeof (*n));
      if (n == NULL)
        return keel_err (err, ENOMEM, "exec");
      memcpy (n + p->user.additional_gids_len, o->gids, o->gids_len * sizeof (*n));
      p->user.additional_gids = n;
      p->user.additional_gids_len += o->gids_len;
    }
  return 0;
}

static int customise (struct rc_process *p, const exec_opts *o, char **args, keel_error **err)
{
  if (args != NULL && args[0] != NULL)
    {
      keel_strv_freep (&p->args);
      for (char **a = args; *a != NULL; a++)
        if (strv_push (&p->args, *a) < 0)
          return keel_err (err, ENOMEM, "exec");
    }
  if (p->args == NULL || p->args[0] == NULL)
    return keel_err (err, 0, "no command given (usage: runtime exec %s)", EXEC_USAGE);
  for (char **e = o->env; e != NULL && *e != NULL; e++)
    if (set_env (p, *e, err) < 0)
      return -1;
  if (o->cwd != NULL)
    {
      free (p->cwd);
      p->cwd = strdup (o->cwd);
    }
  if (o->user != NULL)
    {
      unsigned uid, gid = 0;
      int n = sscanf (o->user, "%u:%u", &uid, &gid);
      if (n < 1)
        return keel_err (err, 0, "--user: expected UID[:GID], got `%s`", o->user);
      p->user.uid = uid;
      p->user.gid = n == 2 ? gid : 0;
    }
  if (o->tty)
    p->terminal = true;
  if (set_labels_and_groups (p, o, err) < 0)
    return -1;
  if (o->no_new_privs)
    p->no_new_privileges = true;
  for (char **c = o->caps; c != NULL && *c != NULL; c++)
    {
      int n = rc_capability_from_name (*c);
      if (n < 0)
        return keel_err (err, 0, "--cap: unknown capability `%s`", *c);
      if (p->capabilities == NULL && (p->capabilities = calloc (1, sizeof (*p->capabilities))) == NULL)
        return keel_err (err, ENOMEM, "exec");
      p->capabilities->bounding.mask |= 1ULL << n;
      p->capabilities->effective.mask |= 1ULL << n;
      p->capabilities->permitted.mask |= 1ULL << n;
      p->capabilities->inheritable.mask |= 1ULL << n;
      p->capabilities->ambient.mask |= 1ULL << n;
    }
  return 0;
}

/* Point every namespace of the container at the init's, so the child joins them all. */
static int target_namespaces (struct runtime_config *cfg, pid_t pid, keel_error **err)
{
  static const char *const proc_names[RC_NS_COUNT]
      = { [RC_NS_PID] = "pid", [RC_NS_NETWORK] = "net", [RC_NS_MOUNT] = "mnt",     [RC_NS_IPC] = "ipc",
          [RC_NS_UTS] = "uts", [RC_NS_USER] = "user",   [RC_NS_CGROUP] = "cgroup", [RC_NS_TIME] = "time" };
  for (size_t i = 0; cfg->linux_ != NULL && i < cfg->linux_->namespaces_len; i++)
    {
      struct rc_namespace *n = &cfg->linux_->namespaces[i];
      free (n->path);
      if (asprintf (&n->path, "/proc/%d/ns/%s", (int)pid, proc_names[n->type]) < 0)
        return keel_err (err, ENOMEM, "exec");
    }
  return 0;
}

static int run_exec (runtime_globals *g, runtime_state *st, struct runtime_config *cfg, struct rc_process *p,
                     const exec_opts *o, keel_error **err)
{
  int sv[2], pty = -1, master = -1;
  pid_t pid;
  enum sync_type t;
  _cleanup_free_ char *msg = NULL, *state_json = NULL;
  _cleanup_seccomp_program_ struct seccomp_program *filter = NULL;
  init_args a = { .cfg = cfg,
                  .fifo_fd = -1,
                  .lock_fd = -1,
                  .keep_fds = o->preserve_fds,
                  .terminal = p->terminal,
                  .process = p,
                  .id = st->id,
                  .no_new_keyring = o->no_new_keyring };

  if (p->terminal && o->console_socket == NULL && o->detach)
    return keel_err (err, 0, "--tty with --detach needs --console-socket");
  if (lsm_check (p, NULL, err) < 0)
    return -1;
  /* The container's seccomp profile applies to exec'd processes too, with
   * their own notify fd for listenerPath (sent as runc sends it). */
  if (cfg->linux_ != NULL && cfg->linux_->seccomp != NULL)
    {
      if (seccomp_compile_for_runtime (cfg->linux_->seccomp, g->root, &filter, err) < 0)
        return -1;
      if (seccomp_program_uses_notify (filter) && container_state_json (st, &state_json, err) < 0)
        return -1;
      a.seccomp = filter;
    }
  if (target_namespaces (cfg, st->pid, err) < 0 || ns_join_paths (cfg, true, err) < 0)
    return -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return keel_err_errno (err, "socketpair");
  a.sync_fd = sv[1];
  pid = init_clone (0, -1, init_exec_main, &a, err);
  close (sv[1]);
  if (pid < 0)
    {
      close (sv[0]);
      return -1;
    }
  if (st->cgroup_paths != NULL)
    {
      cgroup_set cg = { .paths = st->cgroup_paths };
      if (cgroup_enter (&cg, pid, err) < 0)
        goto fail;
    }
  if (sync_send (sv[0], SYNC_GO, NULL, -1, err) < 0)
    goto fail;
  if (p->terminal)
    {
      if (sync_expect (sv[0], SYNC_PTY, NULL, &master, err) < 0)
        goto fail;
      if (o->console_socket != NULL)
        {
          int r = terminal_send_to_socket (o->console_socket, master, err);
          close (master);
          if (r < 0)
            goto fail;
        }
      else
        pty = master;
    }
  if (sync_expect_ready (sv[0], cfg->linux_ != NULL ? cfg->linux_->seccomp : NULL, pid, state_json, err) < 0)
    goto fail;
  /* The sync socket is close-on-exec: EOF means the exec happened. */
  if (sync_recv (sv[0], &t, &msg, NULL, NULL) == 0 && t == SYNC_ERROR)
    {
      keel_err (err, 0, "%s", msg != NULL ? msg : "exec failed");
      goto fail;
    }
  close (sv[0]);
  if (o->pid_file != NULL)
    {
      char buf[32];
      int n = snprintf (buf, sizeof (buf), "%d", (int)pid);
      if (write_file_atomic (o->pid_file, buf, (size_t)n, 0644, 0, err) < 0)
        return keel_err_prefix (err, "--pid-file");
    }
  if (o->detach)
    return 0;
  {
    int status = container_wait_child (pid, pty);
    if (pty >= 0)
      close (pty);
    (void)g;
    return status;
  }
fail:
  close (sv[0]);
  if (pty >= 0)
    close (pty);
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  return -1;
}

int cmd_exec (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  exec_opts o = { 0 };
  _cleanup_runtime_state_ runtime_state *st = NULL;
  _cleanup_runtime_config_ struct runtime_config *cfg = NULL, *pcfg = NULL;
  _cleanup_free_ char *copy = NULL;
  struct rc_process *p;
  state_dir sd;
  const char *id;
  int r;

  r = parse_flags (argc, argv, &o, err);
  if (r != 0)
    {
      r = r > 0 ? 0 : -1; /* 1: --help was printed */
      goto out_flags;
    }
  if (runtime_want_args ("exec", argc, optind, 1, -1, EXEC_USAGE, err) < 0)
    {
      r = -1;
      goto out_flags;
    }
  id = argv[optind];
  if (container_load (g, id, &sd, &st, err) < 0)
    {
      r = keel_err_prefix (err, "exec %s", id);
      goto out_flags;
    }
  /* Exec must not hold the lock while the process runs: others may kill/delete. */
  copy = state_dir_file (&sd, STATE_CONFIG_COPY);
  o.no_new_keyring = faccessat (sd.dirfd, STATE_NO_NEW_KEYRING, F_OK, 0) == 0;
  state_dir_close (&sd);
  if (strcmp (st->status, "running") != 0 && strcmp (st->status, "created") != 0)
    r = keel_err (err, 0, "exec %s: container is %s", id, st->status);
  else if (copy == NULL || runtime_config_load (copy, &cfg, err) < 0)
    r = keel_err_prefix (err, "exec %s", id);
  else if (o.process_file != NULL && load_process_file (o.process_file, &pcfg, err) < 0)
    r = keel_err_prefix (err, "exec %s", id);
  else
    {
      p = pcfg != NULL ? pcfg->process : cfg->process;
      if (customise (p, &o, o.process_file != NULL ? NULL : argv + optind + 1, err) < 0
          || (r = run_exec (g, st, cfg, p, &o, err)) < 0)
        r = keel_err_prefix (err, "exec %s", id);
    }
out_flags:
  keel_strv_freep (&o.env);
  keel_strv_freep (&o.caps);
  free (o.gids);
  return r < 0 ? -1 : r;
}
