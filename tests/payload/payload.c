/* payload: static probe run inside test containers; prints what it sees as key=value lines (see README.md). */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>

/* Exit statuses: a fact that could not be read is 1 (the value says error:ENAME), bad usage is 2. */
enum
{
  RC_OK = 0,
  RC_FAIL = 1,
  RC_USAGE = 2,
};

extern char **environ;

static const char *errname (int err)
{
  const char *name = strerrorname_np (err);
  return name ? name : "EUNKNOWN";
}

__attribute__ ((format (printf, 1, 2))) static int usage_error (const char *fmt, ...)
{
  va_list ap;
  fputs ("payload: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputs ("\n(run `payload help` for the list of commands)\n", stderr);
  return RC_USAGE;
}

/* For the action helpers: the failure goes to stderr with the errno name, so tests can match either. */
static int action_error (const char *what, const char *path, int err)
{
  fprintf (stderr, "payload: %s: %s: %s (%s)\n", what, path, errname (err), strerror (err));
  return RC_FAIL;
}

static int fact_error (const char *key, int err)
{
  printf ("%s=error:%s\n", key, errname (err));
  return RC_FAIL;
}

/* Reads a whole file (procfs files report size 0, so grow until EOF); NULL with errno set on failure. */
static char *slurp (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  size_t cap = 4096, len = 0;
  char *buf = malloc (cap);
  while (buf)
    {
      if (cap - len < 2)
        {
          char *bigger = realloc (buf, cap * 2);
          if (!bigger)
            break;
          buf = bigger;
          cap *= 2;
        }
      ssize_t n = read (fd, buf + len, cap - len - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      if (n == 0)
        {
          buf[len] = '\0';
          close (fd);
          return buf;
        }
      len += (size_t)n;
    }
  int saved = buf ? errno : ENOMEM;
  free (buf);
  close (fd);
  errno = saved;
  return NULL;
}

static void chomp (char *s)
{
  size_t n = strlen (s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
}

/* The value of "Key:\tvalue" in a /proc/PID/status text, newly allocated; NULL if absent. */
static char *status_field (const char *status, const char *key)
{
  size_t klen = strlen (key);
  for (const char *line = status; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    {
      if (strncmp (line, key, klen) != 0 || line[klen] != ':')
        continue;
      const char *v = line + klen + 1;
      while (*v == ' ' || *v == '\t')
        v++;
      return strndup (v, strcspn (v, "\n"));
    }
  return NULL;
}

/* Prints "KEY=value" for each status key; returns RC_FAIL if any is missing. */
static int print_status_fields (const char *const *keys, size_t n, bool optional_last)
{
  char *status = slurp ("/proc/self/status");
  if (!status)
    return fact_error (keys[0], errno);
  int rc = RC_OK;
  for (size_t i = 0; i < n; i++)
    {
      char *v = status_field (status, keys[i]);
      if (v)
        printf ("%s=%s\n", keys[i], v);
      else if (!(optional_last && i == n - 1))
        rc = fact_error (keys[i], ENOENT);
      free (v);
    }
  free (status);
  return rc;
}

static bool parse_long (const char *s, long min, long max, long *out)
{
  char *end;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (errno || end == s || *end || v < min || v > max)
    return false;
  *out = v;
  return true;
}

/* ---- ids ---- */

static int cmd_ids (int argc, char **argv)
{
  printf ("uid=%u\ngid=%u\neuid=%u\negid=%u\n", getuid (), getgid (), geteuid (), getegid ());
  int n = getgroups (0, NULL);
  gid_t *groups = n > 0 ? calloc ((size_t)n, sizeof *groups) : NULL;
  if (n > 0 && (!groups || getgroups (n, groups) < 0))
    {
      free (groups);
      return fact_error ("groups", errno);
    }
  printf ("groups=");
  for (int i = 0; i < n; i++)
    printf ("%s%u", i ? "," : "", groups[i]);
  putchar ('\n');
  free (groups);
  mode_t mask = umask (0);
  umask (mask);
  printf ("umask=%04o\n", (unsigned)mask);
  return RC_OK;
}

/* ---- caps ---- */

/* Indexed by capability number (linux/capability.h), spelled as in config.json. */
static const char *const cap_names[] = {
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
};

static void print_cap_names (const char *set, const char *hex)
{
  unsigned long long mask = strtoull (hex, NULL, 16);
  printf ("%s.names=", set);
  bool first = true;
  for (unsigned bit = 0; bit < 64; bit++)
    {
      if (!(mask & (1ULL << bit)))
        continue;
      if (bit < sizeof cap_names / sizeof cap_names[0])
        printf ("%s%s", first ? "" : ",", cap_names[bit]);
      else
        printf ("%sCAP_%u", first ? "" : ",", bit);
      first = false;
    }
  putchar ('\n');
}

static int cmd_caps (int argc, char **argv)
{
  static const char *const sets[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" };
  char *status = slurp ("/proc/self/status");
  if (!status)
    return fact_error ("CapInh", errno);
  int rc = RC_OK;
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
    {
      char *hex = status_field (status, sets[i]);
      if (!hex)
        {
          rc = fact_error (sets[i], ENOENT);
          continue;
        }
      printf ("%s=%s\n", sets[i], hex);
      print_cap_names (sets[i], hex);
      free (hex);
    }
  free (status);
  return rc;
}

/* ---- rlimits ---- */

static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

static void print_rlim (const char *name, const char *which, rlim_t v)
{
  if (v == RLIM_INFINITY)
    printf ("%s.%s=unlimited\n", name, which);
  else
    printf ("%s.%s=%llu\n", name, which, (unsigned long long)v);
}

static int cmd_rlimits (int argc, char **argv)
{
  int rc = RC_OK;
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
    {
      struct rlimit rl;
      if (getrlimit (rlimits[i].resource, &rl) < 0)
        {
          rc = fact_error (rlimits[i].name, errno);
          continue;
        }
      print_rlim (rlimits[i].name, "soft", rl.rlim_cur);
      print_rlim (rlimits[i].name, "hard", rl.rlim_max);
    }
  return rc;
}

/* ---- mounts ---- */

/* Propagation from mountinfo's optional fields (proc(5)): shared:N, master:N, unbindable; none means private. */
static void propagation_of (char **optional, size_t n, char *out, size_t outlen)
{
  out[0] = '\0';
  for (size_t i = 0; i < n; i++)
    {
      const char *kind = NULL;
      if (strncmp (optional[i], "shared:", 7) == 0)
        kind = "shared";
      else if (strncmp (optional[i], "master:", 7) == 0)
        kind = "slave";
      else if (strcmp (optional[i], "unbindable") == 0)
        kind = "unbindable";
      if (kind)
        snprintf (out + strlen (out), outlen - strlen (out), "%s%s", out[0] ? "," : "", kind);
    }
  if (!out[0])
    snprintf (out, outlen, "private");
}

/* One mountinfo line → one output line: 1 printed, 0 filtered out, -1 unparsable. */
static int print_mount_line (char *line, const char *only)
{
  char *fields[64];
  size_t n = 0;
  char *save = NULL;
  for (char *tok = strtok_r (line, " ", &save); tok && n < 64; tok = strtok_r (NULL, " ", &save))
    fields[n++] = tok;
  /* Six fixed fields, optional fields up to "-", then fstype, source and super options. */
  size_t sep = 6;
  while (sep < n && strcmp (fields[sep], "-") != 0)
    sep++;
  if (sep + 2 >= n)
    return -1;
  if (only && strcmp (fields[4], only) != 0)
    return 0;
  char prop[64];
  propagation_of (fields + 6, sep - 6, prop, sizeof prop);
  printf ("mount=%s root=%s fstype=%s source=%s options=%s super=%s propagation=%s\n", fields[4], fields[3],
          fields[sep + 1], fields[sep + 2], fields[5], sep + 3 < n ? fields[sep + 3] : "", prop);
  return 1;
}

static int list_mounts (const char *only)
{
  char *info = slurp ("/proc/self/mountinfo");
  if (!info)
    return fact_error ("mount", errno);
  int rc = RC_OK;
  bool found = false;
  char *save = NULL;
  for (char *line = strtok_r (info, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      int r = print_mount_line (line, only);
      if (r < 0)
        rc = fact_error ("mount", EINVAL);
      found |= r > 0;
    }
  free (info);
  if (only && !found)
    {
      fprintf (stderr, "payload: mounts: nothing is mounted on %s\n", only);
      return RC_FAIL;
    }
  return rc;
}

static int cmd_mounts (int argc, char **argv)
{
  return list_mounts (argc > 0 ? argv[0] : NULL);
}

/* ---- ns ---- */

static int skip_dots (const struct dirent *d)
{
  return strcmp (d->d_name, ".") != 0 && strcmp (d->d_name, "..") != 0;
}

static int cmd_ns (int argc, char **argv)
{
  struct dirent **names;
  int n = scandir ("/proc/self/ns", &names, skip_dots, alphasort);
  if (n < 0)
    return fact_error ("ns", errno);
  int rc = RC_OK;
  for (int i = 0; i < n; i++)
    {
      char path[PATH_MAX], target[256], key[300];
      snprintf (path, sizeof path, "/proc/self/ns/%s", names[i]->d_name);
      snprintf (key, sizeof key, "ns.%s", names[i]->d_name);
      ssize_t len = readlink (path, target, sizeof target - 1);
      if (len < 0)
        rc = fact_error (key, errno);
      else
        {
          /* The link reads "net:[4026531840]": the inode is between the brackets. */
          target[len] = '\0';
          char *open_bracket = strchr (target, '[');
          printf ("%s=%.*s\n", key, open_bracket ? (int)strcspn (open_bracket + 1, "]") : (int)len,
                  open_bracket ? open_bracket + 1 : target);
        }
      free (names[i]);
    }
  free (names);
  printf ("pid=%d\nppid=%d\npid_ns_init=%d\n", getpid (), getppid (), getpid () == 1);
  return rc;
}

/* ---- cwd, env, fds, hostname ---- */

/* Prints KEY=value on one line: a newline in the value (exported shell functions have them) becomes \n. */
static void print_value_line (const char *value)
{
  for (const char *p = value; *p; p++)
    if (*p == '\n')
      fputs ("\\n", stdout);
    else
      putchar (*p);
  putchar ('\n');
}

static void print_one_line (const char *key, const char *value)
{
  printf ("%s=", key);
  print_value_line (value);
}

static int cmd_cwd (int argc, char **argv)
{
  char *cwd = getcwd (NULL, 0);
  if (!cwd)
    return fact_error ("cwd", errno);
  print_one_line ("cwd", cwd);
  free (cwd);
  return RC_OK;
}

static int cmd_env (int argc, char **argv)
{
  for (char **e = environ; *e; e++)
    {
      /* An entry without '=' is printed as env.ENTRY=. */
      int klen = (int)strcspn (*e, "=");
      printf ("env.%.*s=", klen, *e);
      print_value_line ((*e)[klen] ? *e + klen + 1 : "");
    }
  return RC_OK;
}

static int compare_ints (const void *a, const void *b)
{
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Collects the open fd numbers, leaving out the directory fd used to list them. */
static int collect_fds (int **fds_out, size_t *n_out)
{
  DIR *dir = opendir ("/proc/self/fd");
  if (!dir)
    return -1;
  int self = dirfd (dir);
  size_t n = 0, cap = 16;
  int *fds = malloc (cap * sizeof *fds);
  struct dirent *d;
  while (fds && (d = readdir (dir)))
    {
      long fd;
      if (!parse_long (d->d_name, 0, INT_MAX, &fd) || fd == self)
        continue;
      if (n == cap)
        {
          int *bigger = realloc (fds, (cap *= 2) * sizeof *fds);
          if (!bigger)
            {
              free (fds);
              fds = NULL;
              break;
            }
          fds = bigger;
        }
      fds[n++] = (int)fd;
    }
  closedir (dir);
  if (!fds)
    {
      errno = ENOMEM;
      return -1;
    }
  qsort (fds, n, sizeof *fds, compare_ints);
  *fds_out = fds;
  *n_out = n;
  return 0;
}

static int cmd_fds (int argc, char **argv)
{
  int *fds;
  size_t n;
  if (collect_fds (&fds, &n) < 0)
    return fact_error ("fd", errno);
  int rc = RC_OK;
  for (size_t i = 0; i < n; i++)
    {
      char path[64], target[PATH_MAX], key[32];
      snprintf (path, sizeof path, "/proc/self/fd/%d", fds[i]);
      snprintf (key, sizeof key, "fd.%d", fds[i]);
      ssize_t len = readlink (path, target, sizeof target - 1);
      if (len < 0)
        {
          rc = fact_error (key, errno);
          continue;
        }
      target[len] = '\0';
      print_one_line (key, target);
    }
  free (fds);
  return rc;
}

static int cmd_hostname (int argc, char **argv)
{
  struct utsname u;
  if (uname (&u) < 0)
    return fact_error ("hostname", errno);
  printf ("hostname=%s\ndomainname=%s\n", u.nodename, u.domainname);
  return RC_OK;
}

/* ---- sysctl ---- */

/* "net.ipv4.ip_forward" or "net/ipv4/ip_forward" → value with whitespace runs folded to one space. */
static int print_sysctl (const char *key)
{
  char path[PATH_MAX], outkey[PATH_MAX + 8];
  snprintf (outkey, sizeof outkey, "sysctl.%s", key);
  if (snprintf (path, sizeof path, "/proc/sys/%s", key) >= (int)sizeof path)
    return fact_error (outkey, ENAMETOOLONG);
  if (!strchr (key, '/'))
    for (char *p = path + strlen ("/proc/sys/"); *p; p++)
      if (*p == '.')
        *p = '/';
  char *value = slurp (path);
  if (!value)
    return fact_error (outkey, errno);
  chomp (value);
  char *w = value;
  for (const char *r = value; *r; r++)
    if (!isspace ((unsigned char)*r))
      *w++ = *r;
    else if (w == value || w[-1] != ' ')
      *w++ = ' ';
  *w = '\0';
  printf ("%s=%s\n", outkey, value);
  free (value);
  return RC_OK;
}

static int cmd_sysctl (int argc, char **argv)
{
  int rc = RC_OK;
  for (int i = 0; i < argc; i++)
    if (print_sysctl (argv[i]) != RC_OK)
      rc = RC_FAIL;
  return rc;
}

/* ---- devices ---- */

static char file_type (mode_t mode)
{
  switch (mode & S_IFMT)
    {
    case S_IFCHR:
      return 'c';
    case S_IFBLK:
      return 'b';
    case S_IFDIR:
      return 'd';
    case S_IFLNK:
      return 'l';
    case S_IFIFO:
      return 'p';
    case S_IFSOCK:
      return 's';
    default:
      return 'f';
    }
}

static int walk_devices (const char *dir, int depth)
{
  struct dirent **names;
  int n = scandir (dir, &names, skip_dots, alphasort);
  if (n < 0)
    {
      printf ("dev=%s error=%s\n", dir, errname (errno));
      return RC_FAIL;
    }
  int rc = RC_OK;
  for (int i = 0; i < n; i++)
    {
      char path[PATH_MAX];
      struct stat st;
      int plen = snprintf (path, sizeof path, "%s/%s", dir, names[i]->d_name);
      free (names[i]);
      errno = ENAMETOOLONG;
      if (plen >= (int)sizeof path || lstat (path, &st) < 0)
        {
          printf ("dev=%s error=%s\n", path, errname (errno));
          rc = RC_FAIL;
          continue;
        }
      printf ("dev=%s type=%c", path, file_type (st.st_mode));
      if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
        printf (" rdev=%u:%u", major (st.st_rdev), minor (st.st_rdev));
      printf (" mode=%04o uid=%u gid=%u", (unsigned)(st.st_mode & 07777), st.st_uid, st.st_gid);
      if (S_ISLNK (st.st_mode))
        {
          char target[PATH_MAX];
          ssize_t len = readlink (path, target, sizeof target - 1);
          printf (" target=%.*s", len < 0 ? 0 : (int)len, target);
        }
      putchar ('\n');
      /* Subdirectories (pts, cpu...) are shallow; the depth bound only guards against odd trees. The IPC
         filesystems hold files, not devices (and on a host, every test's temp dir). */
      bool ipc_fs = depth == 0 && (strcmp (path, "/dev/shm") == 0 || strcmp (path, "/dev/mqueue") == 0);
      if (S_ISDIR (st.st_mode) && !ipc_fs && depth < 4 && walk_devices (path, depth + 1) != RC_OK)
        rc = RC_FAIL;
    }
  free (names);
  return rc;
}

static int cmd_devices (int argc, char **argv)
{
  return walk_devices ("/dev", 0);
}

/* ---- nnp, seccomp, oom, cgroup, personality ---- */

static int cmd_nnp (int argc, char **argv)
{
  static const char *const keys[] = { "NoNewPrivs" };
  return print_status_fields (keys, 1, false);
}

static int cmd_seccomp (int argc, char **argv)
{
  /* Seccomp_filters only exists on kernels >= 5.9. */
  static const char *const keys[] = { "Seccomp", "Seccomp_filters" };
  return print_status_fields (keys, 2, true);
}

static int cmd_oom (int argc, char **argv)
{
  char *v = slurp ("/proc/self/oom_score_adj");
  if (!v)
    return fact_error ("oom_score_adj", errno);
  chomp (v);
  printf ("oom_score_adj=%s\n", v);
  free (v);
  return RC_OK;
}

/* /proc/self/cgroup lines are "ID:CONTROLLERS:PATH"; the unified (v2) hierarchy has empty CONTROLLERS. */
static int cmd_cgroup (int argc, char **argv)
{
  char *text = slurp ("/proc/self/cgroup");
  if (!text)
    return fact_error ("cgroup", errno);
  int rc = RC_OK;
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *controllers = strchr (line, ':');
      char *path = controllers ? strchr (controllers + 1, ':') : NULL;
      if (!path)
        {
          rc = fact_error ("cgroup", EINVAL);
          continue;
        }
      *path++ = '\0';
      controllers++;
      /* "name=systemd" would put '=' in the key: it is spelled name:systemd. */
      char *eq = strchr (controllers, '=');
      if (eq)
        *eq = ':';
      printf ("cgroup.%s=%s\n", *controllers ? controllers : "unified", path);
    }
  free (text);
  return rc;
}

static int cmd_personality (int argc, char **argv)
{
  int p = personality (0xffffffff);
  if (p < 0)
    return fact_error ("personality", errno);
  const char *domain = (p & PER_MASK) == PER_LINUX ? "LINUX" : (p & PER_MASK) == PER_LINUX32 ? "LINUX32" : "other";
  printf ("personality=0x%x\npersonality.domain=%s\n", (unsigned)p, domain);
  return RC_OK;
}

/* ---- keyring ---- */

/* The session keyring as keyctl(2) sees it: its serial (shared keyrings have
 * the same one), and from KEYCTL_DESCRIBE ("type;uid;gid;perm;name") its
 * name and permission mask. */
static int cmd_keyring (int argc, char **argv)
{
  char desc[512], name[256] = "";
  unsigned perm = 0;
  long key = syscall (SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* KEY_SPEC_SESSION_KEYRING */, 0);
  (void)argc;
  (void)argv;
  if (key < 0)
    return fact_error ("keyring.session", errno);
  printf ("keyring.session=%ld\n", key);
  if (syscall (SYS_keyctl, 6 /* KEYCTL_DESCRIBE */, key, desc, sizeof desc) < 0)
    return fact_error ("keyring.session.name", errno);
  if (sscanf (desc, "%*[^;];%*[^;];%*[^;];%x;%255[^\n]", &perm, name) < 1)
    return fact_error ("keyring.session.name", EINVAL);
  printf ("keyring.session.name=%s\nkeyring.session.perm=0x%08x\n", name, perm);
  return RC_OK;
}

/* ---- sched ---- */

/* glibc 2.36 has no sched_getattr wrapper; this is the kernel's SCHED_ATTR_SIZE_VER0 layout. */
struct payload_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

static const char *policy_name (uint32_t policy)
{
  static const char *const names[]
      = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE" };
  return policy < sizeof names / sizeof names[0] ? names[policy] : "unknown";
}

static int print_ioprio (void)
{
  static const char *const classes[]
      = { "IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };
  /* IOPRIO_WHO_PROCESS = 1, who = 0: this process; class in bits 13-15, level in bits 0-2. */
  long v = syscall (SYS_ioprio_get, 1, 0);
  if (v < 0)
    return fact_error ("ioprio.class", errno);
  unsigned cls = (unsigned)v >> 13;
  printf ("ioprio.class=%s\nioprio.priority=%ld\n", cls < 4 ? classes[cls] : "unknown", v & 0x7);
  return RC_OK;
}

static int cmd_sched (int argc, char **argv)
{
  struct payload_sched_attr attr = { .size = sizeof attr };
  int rc = RC_OK;
  if (syscall (SYS_sched_getattr, 0, &attr, sizeof attr, 0) < 0)
    rc = fact_error ("sched.policy", errno);
  else
    printf ("sched.policy=%s\nsched.priority=%u\nsched.nice=%d\nsched.flags=0x%llx\n"
            "sched.runtime=%llu\nsched.deadline=%llu\nsched.period=%llu\n",
            policy_name (attr.sched_policy), attr.sched_priority, attr.sched_nice, (unsigned long long)attr.sched_flags,
            (unsigned long long)attr.sched_runtime, (unsigned long long)attr.sched_deadline,
            (unsigned long long)attr.sched_period);
  errno = 0;
  int nice = getpriority (PRIO_PROCESS, 0);
  if (nice == -1 && errno)
    rc = fact_error ("nice", errno);
  else
    printf ("nice=%d\n", nice);
  if (print_ioprio () != RC_OK)
    rc = RC_FAIL;
  return rc;
}

/* ---- isatty ---- */

static int cmd_isatty (int argc, char **argv)
{
  int tty_fd = -1;
  for (int fd = 0; fd <= 2; fd++)
    {
      bool tty = isatty (fd);
      printf ("isatty.%d=%d\n", fd, tty);
      if (!tty)
        continue;
      char *name = ttyname (fd);
      printf ("tty.%d=%s\n", fd, name ? name : "unknown");
      if (tty_fd < 0)
        tty_fd = fd;
    }
  struct winsize ws;
  if (tty_fd >= 0 && ioctl (tty_fd, TIOCGWINSZ, &ws) == 0)
    printf ("winsize.rows=%u\nwinsize.cols=%u\n", ws.ws_row, ws.ws_col);
  else
    printf ("winsize=none\n");
  if (tty_fd >= 0)
    printf ("foreground=%d\n", tcgetpgrp (tty_fd) == getpgrp ());
  int ctty = open ("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  printf ("ctty=%s\n", ctty >= 0 ? "ok" : errname (errno));
  if (ctty >= 0)
    close (ctty);
  return RC_OK;
}

/* ---- action helpers ---- */

static int cmd_exit (int argc, char **argv)
{
  long code;
  if (!parse_long (argv[0], 0, 255, &code))
    return usage_error ("exit: '%s' is not a status between 0 and 255", argv[0]);
  return (int)code;
}

/* "1", "0.25" or "inf" → a timespec; false on anything else. No timeout (ts NULL) for inf or beyond ~30 years,
   which would overflow time_t arithmetic anyway. */
static bool parse_seconds (const char *s, struct timespec *ts, bool *forever)
{
  char *end;
  errno = 0;
  double secs = strtod (s, &end);
  if (end == s || *end || !(secs >= 0))
    return false;
  *forever = secs >= 1e9;
  if (!*forever)
    *ts = (struct timespec){ .tv_sec = (time_t)secs, .tv_nsec = (long)((secs - floor (secs)) * 1e9) };
  return true;
}

static int cmd_sleep (int argc, char **argv)
{
  struct timespec ts;
  bool forever;
  if (!parse_seconds (argv[0], &ts, &forever))
    return usage_error ("sleep: '%s' is not a number of seconds (or inf)", argv[0]);
  fflush (stdout);
  if (forever)
    for (;;)
      pause ();
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
  return RC_OK;
}

/* "TERM", "SIGTERM", "sigterm" or "15"; 0 if unknown. */
static int parse_signal (const char *s)
{
  long num;
  if (parse_long (s, 1, SIGRTMAX, &num))
    return (int)num;
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (int sig = 1; sig < SIGRTMIN; sig++)
    {
      const char *abbrev = sigabbrev_np (sig);
      if (abbrev && strcasecmp (abbrev, s) == 0)
        return sig;
    }
  return 0;
}

static void print_signal_name (const char *key, int sig)
{
  const char *abbrev = sigabbrev_np (sig);
  if (abbrev)
    printf ("%s=SIG%s\n", key, abbrev);
  else
    printf ("%s=SIGRTMIN+%d\n", key, sig - SIGRTMIN);
}

/* The init of a pid namespace ignores signals it has no handler for, even from itself; a real fault is
   delivered by the kernel and does kill it, so the fault signals are produced that way. */
static void raise_by_fault (int sig)
{
  static volatile uintptr_t null_address;
  if (sig == SIGSEGV)
    *(volatile int *)null_address = 1;
#if defined(__x86_64__) || defined(__i386__)
  static volatile int zero;
  if (sig == SIGFPE)
    zero = 1 / zero;
  if (sig == SIGILL)
    __builtin_trap ();
#endif
}

static int cmd_kill_self (int argc, char **argv)
{
  int sig = parse_signal (argv[0]);
  if (!sig)
    return usage_error ("kill-self: unknown signal '%s'", argv[0]);
  fflush (stdout);
  /* No core file on the host for the deliberate faults. */
  struct rlimit no_core = { 0, 0 };
  setrlimit (RLIMIT_CORE, &no_core);
  signal (sig, SIG_DFL);
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, sig);
  sigprocmask (SIG_UNBLOCK, &set, NULL);
  raise (sig);
  raise_by_fault (sig);
  fprintf (stderr, "payload: kill-self: still alive after signal %d%s\n", sig,
           getpid () == 1 ? " (the init of a pid namespace ignores signals it has no handler for)" : "");
  return RC_FAIL;
}

static int report_errno_result (const char *key, int ok, int err)
{
  if (ok)
    {
      printf ("%s=ok\n", key);
      return RC_OK;
    }
  printf ("%s=%s\n", key, errname (err));
  return RC_FAIL;
}

static int write_all (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, buf, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      buf += n;
      len -= (size_t)n;
    }
  return 0;
}

static int cmd_write (int argc, char **argv)
{
  int fd = open (argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return report_errno_result ("write", 0, errno);
  int ok = write_all (fd, argv[1], strlen (argv[1])) == 0;
  int err = errno;
  if (close (fd) < 0 && ok)
    {
      ok = 0;
      err = errno;
    }
  return report_errno_result ("write", ok, err);
}

static int cmd_open (int argc, char **argv)
{
  int flags = O_RDONLY;
  if (argc > 1)
    {
      if (strcmp (argv[1], "w") == 0)
        flags = O_WRONLY;
      else if (strcmp (argv[1], "rw") == 0)
        flags = O_RDWR;
      else if (strcmp (argv[1], "r") != 0)
        return usage_error ("open: mode '%s' is not r, w or rw", argv[1]);
    }
  int fd = open (argv[0], flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  int err = errno;
  if (fd >= 0)
    close (fd);
  return report_errno_result ("open", fd >= 0, err);
}

static int cmd_mknod (int argc, char **argv)
{
  mode_t type;
  if (strcmp (argv[1], "c") == 0 || strcmp (argv[1], "u") == 0)
    type = S_IFCHR;
  else if (strcmp (argv[1], "b") == 0)
    type = S_IFBLK;
  else if (strcmp (argv[1], "p") == 0)
    type = S_IFIFO;
  else
    return usage_error ("mknod: type '%s' is not c, b or p", argv[1]);
  long maj = 0, min = 0;
  bool is_dev = type != S_IFIFO;
  if (is_dev != (argc == 4))
    return usage_error ("mknod: type %s takes %s", argv[1], is_dev ? "MAJOR MINOR" : "no numbers");
  if (is_dev && (!parse_long (argv[2], 0, 0xfff, &maj) || !parse_long (argv[3], 0, 0xfffff, &min)))
    return usage_error ("mknod: bad device numbers '%s' '%s'", argv[2], argv[3]);
  int r = mknod (argv[0], type | 0666, makedev ((unsigned)maj, (unsigned)min));
  return report_errno_result ("mknod", r == 0, errno);
}

static void note_signal (int sig)
{
}

/* Handlers are installed because a pid namespace's init only receives signals it handles; the signals stay
   blocked and are taken synchronously with sigtimedwait. */
static int cmd_wait_signal (int argc, char **argv)
{
  struct timespec ts;
  bool forever = true;
  if (argc > 0 && !parse_seconds (argv[0], &ts, &forever))
    return usage_error ("wait-signal: '%s' is not a number of seconds", argv[0]);
  sigset_t all;
  sigfillset (&all);
  sigprocmask (SIG_BLOCK, &all, NULL);
  struct sigaction sa = { .sa_handler = note_signal };
  sigfillset (&sa.sa_mask);
  for (int sig = 1; sig <= SIGRTMAX; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      sigaction (sig, &sa, NULL); /* glibc-reserved signals fail with EINVAL: fine. */
  printf ("ready=1\n");
  fflush (stdout);
  siginfo_t info;
  int sig = forever ? sigwaitinfo (&all, &info) : sigtimedwait (&all, &info, &ts);
  if (sig < 0)
    {
      printf ("signal=%s\n", errno == EAGAIN ? "timeout" : errname (errno));
      return RC_FAIL;
    }
  print_signal_name ("signal", sig);
  printf ("signal.number=%d\nsignal.sender_pid=%d\n", sig, info.si_pid);
  return RC_OK;
}

static int copy_fd (int in, int out)
{
  char buf[65536];
  for (;;)
    {
      ssize_t n = read (in, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return (int)n;
      if (write_all (out, buf, (size_t)n) < 0)
        return -1;
    }
}

static int cmd_cat (int argc, char **argv)
{
  fflush (stdout);
  int fd = open (argv[0], O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return action_error ("cat", argv[0], errno);
  int r = copy_fd (fd, STDOUT_FILENO);
  int err = errno;
  close (fd);
  return r < 0 ? action_error ("cat", argv[0], err) : RC_OK;
}

static int cmd_ls (int argc, char **argv)
{
  struct dirent **names;
  int n = scandir (argv[0], &names, skip_dots, alphasort);
  if (n < 0)
    return action_error ("ls", argv[0], errno);
  for (int i = 0; i < n; i++)
    {
      puts (names[i]->d_name);
      free (names[i]);
    }
  free (names);
  return RC_OK;
}

static int cmd_stdin (int argc, char **argv)
{
  fflush (stdout);
  return copy_fd (STDIN_FILENO, STDOUT_FILENO) < 0 ? action_error ("stdin", "-", errno) : RC_OK;
}

/* ---- dispatch ---- */

struct command
{
  const char *name;
  int (*run) (int argc, char **argv);
  int min_args, max_args;
  const char *args;
  bool in_report;
};

static const struct command commands[] = {
  { "ids", cmd_ids, 0, 0, "", true },
  { "caps", cmd_caps, 0, 0, "", true },
  { "rlimits", cmd_rlimits, 0, 0, "", true },
  { "mounts", cmd_mounts, 0, 1, "[MOUNTPOINT]", true },
  { "ns", cmd_ns, 0, 0, "", true },
  { "cwd", cmd_cwd, 0, 0, "", true },
  { "env", cmd_env, 0, 0, "", true },
  { "fds", cmd_fds, 0, 0, "", true },
  { "hostname", cmd_hostname, 0, 0, "", true },
  { "sysctl", cmd_sysctl, 1, INT_MAX, "KEY...", false },
  { "devices", cmd_devices, 0, 0, "", true },
  { "nnp", cmd_nnp, 0, 0, "", true },
  { "seccomp", cmd_seccomp, 0, 0, "", true },
  { "oom", cmd_oom, 0, 0, "", true },
  { "cgroup", cmd_cgroup, 0, 0, "", true },
  { "personality", cmd_personality, 0, 0, "", true },
  { "sched", cmd_sched, 0, 0, "", true },
  { "isatty", cmd_isatty, 0, 0, "", true },
  { "keyring", cmd_keyring, 0, 0, "", false },
  { "report", NULL, 0, 0, "", false },
  { "exit", cmd_exit, 1, 1, "N", false },
  { "sleep", cmd_sleep, 1, 1, "SECONDS|inf", false },
  { "kill-self", cmd_kill_self, 1, 1, "SIGNAL", false },
  { "write", cmd_write, 2, 2, "PATH TEXT", false },
  { "open", cmd_open, 1, 2, "PATH [r|w|rw]", false },
  { "mknod", cmd_mknod, 2, 4, "PATH c|b MAJOR MINOR | PATH p", false },
  { "wait-signal", cmd_wait_signal, 0, 1, "[TIMEOUT]", false },
  { "cat", cmd_cat, 1, 1, "PATH", false },
  { "ls", cmd_ls, 1, 1, "PATH", false },
  { "stdin", cmd_stdin, 0, 0, "", false },
};

static const size_t n_commands = sizeof commands / sizeof commands[0];

/* Every fact section, each introduced by a section= line; keys are unique across sections. */
static int cmd_report (void)
{
  int rc = RC_OK;
  for (size_t i = 0; i < n_commands; i++)
    {
      if (!commands[i].in_report)
        continue;
      printf ("section=%s\n", commands[i].name);
      if (commands[i].run (0, NULL) != RC_OK)
        rc = RC_FAIL;
    }
  return rc;
}

static void print_help (FILE *out)
{
  fputs ("usage: payload COMMAND [ARGS]\n"
         "Prints what this process sees as key=value lines (facts) or performs one action for a test.\n",
         out);
  for (size_t i = 0; i < n_commands; i++)
    fprintf (out, "  payload %s%s%s\n", commands[i].name, commands[i].args[0] ? " " : "", commands[i].args);
}

static int dispatch (int argc, char **argv)
{
  if (argc < 2)
    {
      print_help (stderr);
      return RC_USAGE;
    }
  if (strcmp (argv[1], "help") == 0 || strcmp (argv[1], "--help") == 0)
    {
      print_help (stdout);
      return RC_OK;
    }
  for (size_t i = 0; i < n_commands; i++)
    {
      const struct command *c = &commands[i];
      if (strcmp (argv[1], c->name) != 0)
        continue;
      int nargs = argc - 2;
      if (nargs < c->min_args || nargs > c->max_args)
        return usage_error ("%s: wrong number of arguments (usage: payload %s %s)", c->name, c->name, c->args);
      return c->run ? c->run (nargs, argv + 2) : cmd_report ();
    }
  return usage_error ("unknown command '%s'", argv[1]);
}

int main (int argc, char **argv)
{
  int rc = dispatch (argc, argv);
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      fprintf (stderr, "payload: writing the output: %s\n", strerror (errno));
      return RC_FAIL;
    }
  return rc;
}
