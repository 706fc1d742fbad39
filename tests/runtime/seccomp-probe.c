/* Test probe: make one syscall by name with the given arguments and print what the kernel (or the filter) answered. */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Usage: seccomp-probe [--catch-sigsys] SYSCALL [ARG...]
 * ARG is a number (strtoull base 0) or s:STRING for a pointer to STRING.
 * Prints "ret=N" or "errno=N"; with --catch-sigsys, a SIGSYS (SCMP_ACT_TRAP)
 * prints "caught SIGSYS" and exits 3 instead of killing the probe. */

static void on_sigsys (int sig)
{
  static const char msg[] = "caught SIGSYS\n";
  (void)sig;
  (void)!write (STDOUT_FILENO, msg, sizeof msg - 1);
  _exit (3);
}

int main (int argc, char **argv)
{
  long args[6] = { 0 };
  int i = 1;
  if (i < argc && strcmp (argv[i], "--catch-sigsys") == 0)
    {
      signal (SIGSYS, on_sigsys);
      i++;
    }
  if (i >= argc || argc - i - 1 > 6)
    {
      fprintf (stderr, "usage: seccomp-probe [--catch-sigsys] SYSCALL [ARG...]\n");
      return 2;
    }
  int nr = seccomp_syscall_resolve_name (argv[i]);
  if (nr < 0)
    {
      fprintf (stderr, "seccomp-probe: unknown syscall %s\n", argv[i]);
      return 2;
    }
  for (int k = 0; i + 1 + k < argc; k++)
    {
      const char *a = argv[i + 1 + k];
      args[k] = strncmp (a, "s:", 2) == 0 ? (long)(a + 2) : (long)strtoull (a, NULL, 0);
    }
  long r = syscall (nr, args[0], args[1], args[2], args[3], args[4], args[5]);
  if (r < 0)
    printf ("errno=%d\n", errno);
  else
    printf ("ret=%ld\n", r);
  return 0;
}
