/* Test driver: apply a config.json's linux.seccomp and noNewPrivileges to CMD as the runtime does, minus containers. */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "runtime_config.h"
#include "runtime_state.h"
#include "runtime/seccomp.h"

/* Usage: seccomp-run [--compile-only N] [--cache DIR] [--thread-check DIR] CONFIG.json -- CMD ARGS...
 *   --compile-only N  compile N times, print the BPF size and the mean time, exit
 *   --cache DIR       compile through seccomp_compile_cached with DIR
 *   --thread-check DIR a thread started before the filter is loaded tries mkdir(DIR)
 *                      afterwards and prints "thread mkdir: ok" or "thread mkdir: errno=N"
 * The parent plays the runtime: it compiles, forks, and when the filter uses
 * NOTIFY it receives the listener fd from the child and sends it to listenerPath.
 * Exit status: CMD's, 128+signal when it was killed, 125 for driver errors. */

struct options
{
  long compile_only;
  const char *cache;
  const char *thread_dir;
  const char *config;
  char **cmd;
};

static int fail (keel_error *err)
{
  fprintf (stderr, "seccomp-run: %s\n", err->msg);
  keel_error_free (err);
  return 125;
}

static int parse_options (int argc, char **argv, struct options *o)
{
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && strcmp (argv[i], "--") != 0; i += 2)
    {
      if (i + 1 >= argc)
        return -1;
      if (strcmp (argv[i], "--compile-only") == 0)
        o->compile_only = strtol (argv[i + 1], NULL, 10);
      else if (strcmp (argv[i], "--cache") == 0)
        o->cache = argv[i + 1];
      else if (strcmp (argv[i], "--thread-check") == 0)
        o->thread_dir = argv[i + 1];
      else
        return -1;
    }
  if (i >= argc)
    return -1;
  o->config = argv[i++];
  if (o->compile_only > 0)
    return 0;
  if (i >= argc || strcmp (argv[i], "--") != 0 || i + 1 >= argc)
    return -1;
  o->cmd = &argv[i + 1];
  return 0;
}

static int compile (const struct options *o, const struct rc_seccomp *s, struct seccomp_program **p, keel_error **err)
{
  return o->cache != NULL ? seccomp_compile_cached (s, o->cache, p, err) : seccomp_compile (s, p, err);
}

static int compile_only (const struct options *o, const struct rc_seccomp *s, long n)
{
  struct timespec a, b;
  unsigned int size = 0;
  clock_gettime (CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++)
    {
      keel_error *err = NULL;
      _cleanup_seccomp_program_ struct seccomp_program *p = NULL;
      if (compile (o, s, &p, &err) < 0)
        return fail (err);
      size = seccomp_program_size (p);
    }
  clock_gettime (CLOCK_MONOTONIC, &b);
  double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n;
  printf ("instructions=%u compile_us=%.1f\n", size, us);
  return 0;
}

/* ---- the thread that checks TSYNC ---- */

struct thread_check
{
  int pipefd[2]; /* the main thread writes once the filter is loaded */
  const char *dir;
};

static void *thread_check (void *arg)
{
  struct thread_check *t = arg;
  char c;
  if (read (t->pipefd[0], &c, 1) != 1)
    return NULL;
  if (mkdir (t->dir, 0755) == 0)
    printf ("thread mkdir: ok\n");
  else
    printf ("thread mkdir: errno=%d\n", errno);
  fflush (stdout);
  return NULL;
}

/* ---- fd passing between the driver's two processes ---- */

static int send_fd (int sock, int fd)
{
  char byte = 'F';
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control = { 0 };
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof fd);
  return sendmsg (sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd (int sock)
{
  char byte;
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  int fd;
  if (recvmsg (sock, &msg, MSG_CMSG_CLOEXEC) != 1)
    return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS)
    return -1;
  memcpy (&fd, CMSG_DATA (c), sizeof fd);
  return fd;
}

/* ---- child: what the container init does right before exec ---- */

static void child (const struct options *o, const struct runtime_config *cfg, const struct seccomp_program *p, int sock)
{
  keel_error *err = NULL;
  pthread_t th;
  struct thread_check t = { .dir = o->thread_dir };
  int notify_fd = -1;

  /* Started before the filter is loaded: only TSYNC puts it under the filter. */
  if (o->thread_dir != NULL)
    {
      if (pipe (t.pipefd) < 0 || pthread_create (&th, NULL, thread_check, &t) != 0)
        _exit (125);
    }
  if (cfg->process != NULL && cfg->process->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    _exit (125);
  if (seccomp_program_load (p, &notify_fd, &err) < 0)
    _exit (fail (err));
  if (notify_fd >= 0 && send_fd (sock, notify_fd) < 0)
    _exit (125);
  if (notify_fd >= 0)
    close (notify_fd);
  close (sock);
  if (o->thread_dir != NULL)
    {
      (void)!write (t.pipefd[1], "x", 1);
      pthread_join (th, NULL);
    }
  execvp (o->cmd[0], o->cmd);
  _exit (127);
}

/* ---- parent: what the runtime's create does ---- */

static int send_to_agent (const struct runtime_config *cfg, const char *config_path, pid_t pid, int sock)
{
  keel_error *err = NULL;
  _cleanup_close_ int fd = recv_fd (sock);
  _cleanup_free_ char *bundle = strdup (config_path);
  _cleanup_free_ char *json = NULL;
  runtime_state st = { .oci_version = (char *)KEEL_OCI_VERSION,
                       .id = (char *)"seccomp-run",
                       .status = (char *)"creating",
                       .pid = pid,
                       .bundle = dirname (bundle) };
  if (fd < 0)
    {
      fprintf (stderr, "seccomp-run: no notify fd from the child\n");
      return 125;
    }
  if (runtime_state_emit (&st, false, &json, NULL, &err) < 0
      || seccomp_send_listener (cfg->linux_->seccomp->listener_path, fd, json, cfg->linux_->seccomp->listener_metadata,
                                &err)
             < 0)
    return fail (err);
  return 0;
}

static int wait_child (pid_t pid)
{
  int status;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return 125;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

int main (int argc, char **argv)
{
  struct options o = { 0 };
  keel_error *err = NULL;
  _cleanup_runtime_config_ struct runtime_config *cfg = NULL;
  _cleanup_seccomp_program_ struct seccomp_program *p = NULL;
  int sv[2];

  if (parse_options (argc, argv, &o) < 0)
    {
      fprintf (stderr,
               "usage: seccomp-run [--compile-only N] [--cache DIR] [--thread-check DIR] CONFIG.json -- CMD ARGS...\n");
      return 125;
    }
  if (runtime_config_load (o.config, &cfg, &err) < 0)
    return fail (err);
  if (cfg->linux_ == NULL || cfg->linux_->seccomp == NULL)
    {
      fprintf (stderr, "seccomp-run: %s has no linux.seccomp\n", o.config);
      return 125;
    }
  if (o.compile_only > 0)
    return compile_only (&o, cfg->linux_->seccomp, o.compile_only);
  if (compile (&o, cfg->linux_->seccomp, &p, &err) < 0)
    return fail (err); /* the message names config.json and the JSON path */
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return 125;
  fflush (stdout);
  pid_t pid = fork ();
  if (pid < 0)
    return 125;
  if (pid == 0)
    {
      close (sv[0]);
      child (&o, cfg, p, sv[1]);
    }
  close (sv[1]);
  int rc = 0;
  if (seccomp_program_uses_notify (p))
    rc = send_to_agent (cfg, o.config, pid, sv[0]);
  close (sv[0]);
  if (rc != 0)
    kill (pid, SIGKILL);
  int status = wait_child (pid);
  return rc != 0 ? rc : status;
}
