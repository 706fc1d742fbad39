/* Lifecycle hooks: run each with its args/env, the state JSON on stdin, and its timeout. */
#include "config.h"
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

static long long now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait for PID, killing it when TIMEOUT (seconds, 0 = none) passes. */
static int wait_hook (pid_t pid, int timeout, int *status, keel_error **err)
{
  long long deadline = timeout > 0 ? now_ms () + timeout * 1000LL : 0;
  int pidfd = (int)syscall (SYS_pidfd_open, pid, 0);

  for (;;)
    {
      pid_t r = waitpid (pid, status, WNOHANG);
      if (r == pid)
        break;
      if (r < 0 && errno != EINTR)
        {
          if (pidfd >= 0)
            close (pidfd);
          return keel_err_errno (err, "wait for hook");
        }
      if (deadline && now_ms () >= deadline)
        {
          kill (pid, SIGKILL);
          waitpid (pid, status, 0);
          if (pidfd >= 0)
            close (pidfd);
          return keel_err (err, 0, "timed out after %d s", timeout);
        }
      if (pidfd >= 0)
        {
          struct pollfd pfd = { pidfd, POLLIN, 0 };
          poll (&pfd, 1, deadline ? (int)(deadline - now_ms () > 0 ? deadline - now_ms () : 0) : -1);
        }
      else
        usleep (10000);
    }
  if (pidfd >= 0)
    close (pidfd);
  return 0;
}

static int run_one (const struct rc_hook *h, const char *state_json, keel_error **err)
{
  int pipefd[2];
  int status = 0;
  pid_t pid;

  if (access (h->path, X_OK) < 0)
    return keel_err_errno (err, "cannot execute");
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return keel_err_errno (err, "pipe");
  pid = fork ();
  if (pid < 0)
    {
      close (pipefd[0]);
      close (pipefd[1]);
      return keel_err_errno (err, "fork");
    }
  if (pid == 0)
    {
      char *fallback[] = { h->path, NULL };
      char *noenv[] = { NULL };
      dup2 (pipefd[0], 0);
      /* Our stdout may be a caller's pipe we must not write into. */
      dup2 (2, 1);
      execve (h->path, h->args != NULL && h->args[0] != NULL ? h->args : fallback, h->env != NULL ? h->env : noenv);
      _exit (127);
    }
  close (pipefd[0]);
  /* runtime.md "Hooks": the state of the container is passed on stdin;
   * a hook that does not read it gets SIGPIPE/EPIPE, which is not our error. */
  {
    struct sigaction sa = { .sa_handler = SIG_IGN }, old;
    sigaction (SIGPIPE, &sa, &old);
    write_all (pipefd[1], state_json != NULL ? state_json : "{}", state_json != NULL ? strlen (state_json) : 2);
    sigaction (SIGPIPE, &old, NULL);
  }
  close (pipefd[1]);
  if (wait_hook (pid, h->has_timeout ? h->timeout : 0, &status, err) < 0)
    return -1;
  if (WIFEXITED (status) && WEXITSTATUS (status) != 0)
    return keel_err (err, 0, "exited with status %d", WEXITSTATUS (status));
  if (WIFSIGNALED (status))
    return keel_err (err, 0, "killed by signal %d", WTERMSIG (status));
  return 0;
}

int hooks_run (const struct runtime_config *cfg, enum rc_hook_kind kind, const char *state_json, keel_error **err)
{
  const struct rc_hook_list *l = &cfg->hooks[kind];
  for (size_t i = 0; i < l->len; i++)
    if (run_one (&l->hooks[i], state_json, err) < 0)
      return keel_err_prefix (err, "config.json: .hooks.%s[%zu] (%s)", rc_hook_kind_name (kind), i, l->hooks[i].path);
  return 0;
}
