/* linux.seccomp: compiled by libseccomp in the parent, loaded in the child, NOTIFY fds handed to agents. */
#define _GNU_SOURCE
#include "seccomp.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "json.h"
#include "runtime_state.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* seccomp(2) arguments are 6 registers wide. */
#define SECCOMP_MAX_ARGS 6

struct seccomp_program
{
  struct sock_filter *insns;
  unsigned short len;
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(SECCOMP_SET_MODE_FILTER) */
  bool notify;
};

/* ---- name tables ---- */

struct action_info
{
  const char *name;
  uint32_t action;     /* libseccomp action, without errno data */
  uint32_t kernel_ret; /* for SECCOMP_GET_ACTION_AVAIL */
  bool takes_errno;    /* config-linux.md "Seccomp" errnoRet: ERRNO and TRACE carry one */
};

static const struct action_info actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL, SECCOMP_RET_KILL_THREAD, false },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, SECCOMP_RET_KILL_PROCESS, false },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, SECCOMP_RET_KILL_THREAD, false },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, SECCOMP_RET_TRAP, false },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0), SECCOMP_RET_ERRNO, true },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0), SECCOMP_RET_TRACE, true },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, SECCOMP_RET_ALLOW, false },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG, SECCOMP_RET_LOG, false },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, SECCOMP_RET_USER_NOTIF, false },
};

struct op_info
{
  const char *name;
  enum scmp_compare op;
};

static const struct op_info ops[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

struct flag_info
{
  const char *name;
  unsigned int flag;
};

static const struct flag_info flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

/* The data model's list of arch names (spec/runtime_config.c) is the superset;
 * which of them this libseccomp knows is decided at run time. */
static const char *const arch_names[]
    = { "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
        "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB" };

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))

static const struct action_info *find_action (const char *name)
{
  for (size_t i = 0; i < N_ELEMENTS (actions); i++)
    if (strcmp (actions[i].name, name) == 0)
      return &actions[i];
  return NULL;
}

static const struct op_info *find_op (const char *name)
{
  for (size_t i = 0; i < N_ELEMENTS (ops); i++)
    if (strcmp (ops[i].name, name) == 0)
      return &ops[i];
  return NULL;
}

static const struct flag_info *find_flag (const char *name)
{
  for (size_t i = 0; i < N_ELEMENTS (flags); i++)
    if (strcmp (flags[i].name, name) == 0)
      return &flags[i];
  return NULL;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64", 0 when unknown. */
static uint32_t arch_token (const char *name)
{
  static const char prefix[] = "SCMP_ARCH_";
  if (strncmp (name, prefix, sizeof prefix - 1) != 0)
    return 0;
  _cleanup_free_ char *lower = strdup (name + sizeof prefix - 1);
  if (lower == NULL)
    return 0;
  for (char *p = lower; *p != '\0'; p++)
    *p = tolower ((unsigned char)*p);
  return seccomp_arch_resolve_name (lower);
}

/* ---- kernel probes ---- */

static bool kernel_has_action (uint32_t kernel_ret)
{
  return syscall (SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &kernel_ret) == 0;
}

/* An unknown flag is refused with EINVAL before the (NULL) program is read,
 * so EFAULT means the kernel knows the flag. Nothing gets loaded.
 * WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER. */
static bool kernel_has_flag (unsigned int flag)
{
  if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno != EINVAL;
}

/* ---- compile ---- */

/* Errors about the profile name the file and the JSON path, as the parser's
 * do ("config.json: .linux.seccomp.syscalls[2].args[0]: ..."). WHAT is the
 * path below .linux.seccomp, "" for the object itself. */
#define PROFILE_PATH "config.json: .linux.seccomp"

#define profile_err(err, errnum, what, ...)                                                                            \
  (keel_err (err, errnum, __VA_ARGS__), keel_err_prefix (err, PROFILE_PATH "%s", what))

static int resolve_action (const char *name, bool has_errno, uint32_t errno_ret, const char *what, uint32_t *out,
                           keel_error **err)
{
  const struct action_info *a = find_action (name);
  if (a == NULL)
    return profile_err (err, 0, what, "unknown action %s", name);
  /* config-linux.md "Seccomp": "When the action doesn't support an errno, the
   * runtime MUST print and error and fail." */
  if (has_errno && !a->takes_errno)
    return profile_err (err, 0, what, "%s does not take an errno return value", name);
  /* The errno travels in SECCOMP_RET_DATA, 16 bits. */
  if (has_errno && errno_ret > 0xffff)
    return profile_err (err, 0, what, "errno value %u out of range", errno_ret);
  if (!kernel_has_action (a->kernel_ret))
    return profile_err (err, 0, what, "%s is not supported by this kernel", name);
  if (!a->takes_errno)
    *out = a->action;
  else if (a->action == SCMP_ACT_TRACE (0))
    *out = SCMP_ACT_TRACE (has_errno ? errno_ret : EPERM);
  else
    *out = SCMP_ACT_ERRNO (has_errno ? errno_ret : EPERM);
  return 0;
}

/* ".KEY[I]" in BUF, big enough for any size_t. */
static const char *element_path (char buf[static 64], const char *key, size_t i)
{
  snprintf (buf, 64, ".%s[%zu]", key, i);
  return buf;
}

static int add_arches (scmp_filter_ctx ctx, char *const *names, keel_error **err)
{
  char what[64];
  for (size_t i = 0; names != NULL && names[i] != NULL; i++)
    {
      uint32_t token = arch_token (names[i]);
      if (token == 0)
        return profile_err (err, 0, element_path (what, "architectures", i),
                            "%s is not supported by libseccomp %u.%u.%u", names[i], seccomp_version ()->major,
                            seccomp_version ()->minor, seccomp_version ()->micro);
      /* The native arch is already in a new filter and stays there. */
      int r = seccomp_arch_add (ctx, token);
      if (r < 0 && r != -EEXIST)
        return profile_err (err, -r, element_path (what, "architectures", i), "adding %s", names[i]);
    }
  return 0;
}

static int resolve_flags (char *const *names, unsigned int *out, keel_error **err)
{
  char what[64];
  for (size_t i = 0; names != NULL && names[i] != NULL; i++)
    {
      const struct flag_info *f = find_flag (names[i]);
      if (f == NULL)
        return profile_err (err, 0, element_path (what, "flags", i), "unknown flag %s", names[i]);
      if (!kernel_has_flag (f->flag))
        return profile_err (err, 0, element_path (what, "flags", i), "%s is not supported by this kernel", names[i]);
      *out |= f->flag;
    }
  return 0;
}

static int build_condition (const struct rc_seccomp_arg *a, const char *what, struct scmp_arg_cmp *out,
                            keel_error **err)
{
  const struct op_info *op = find_op (a->op);
  if (op == NULL)
    return profile_err (err, 0, what, "unknown operator %s", a->op);
  if (a->index >= SECCOMP_MAX_ARGS)
    return profile_err (err, 0, what, "argument index %u out of range (0-%d)", a->index, SECCOMP_MAX_ARGS - 1);
  /* For SCMP_CMP_MASKED_EQ, value is the mask and valueTwo the expected
   * result, libseccomp's datum_a and datum_b. */
  *out = (struct scmp_arg_cmp){ .arg = a->index, .op = op->op, .datum_a = a->value, .datum_b = a->value_two };
  return 0;
}

/* libseccomp refuses two conditions on one argument in a rule; like runc,
 * such a rule becomes one rule per condition (matching any of them). */
static bool has_repeated_index (const struct rc_seccomp_arg *args, size_t n)
{
  bool seen[SECCOMP_MAX_ARGS] = { false };
  for (size_t i = 0; i < n; i++)
    {
      if (args[i].index >= SECCOMP_MAX_ARGS)
        continue;
      if (seen[args[i].index])
        return true;
      seen[args[i].index] = true;
    }
  return false;
}

static int add_rule (scmp_filter_ctx ctx, uint32_t action, int nr, const char *name, const struct scmp_arg_cmp *conds,
                     unsigned int n, const char *what, keel_error **err)
{
  int r = seccomp_rule_add_array (ctx, action, nr, n, conds);
  if (r < 0)
    return profile_err (err, -r, what, "adding rule for %s", name);
  return 0;
}

static int add_syscall_name (scmp_filter_ctx ctx, const struct rc_seccomp_syscall *sc, uint32_t action,
                             const struct scmp_arg_cmp *conds, const char *name, const char *what, keel_error **err)
{
  int nr = seccomp_syscall_resolve_name (name);
  /* Unknown to libseccomp on every arch: skipped as runc does, so one
   * profile serves kernels and arches that lack some syscalls. */
  if (nr == __NR_SCMP_ERROR)
    return 0;
  if (sc->args_len == 0 || !has_repeated_index (sc->args, sc->args_len))
    return add_rule (ctx, action, nr, name, conds, sc->args_len, what, err);
  for (size_t i = 0; i < sc->args_len; i++)
    if (add_rule (ctx, action, nr, name, &conds[i], 1, what, err) < 0)
      return -1;
  return 0;
}

static int add_syscall_rule (scmp_filter_ctx ctx, const struct rc_seccomp_syscall *sc, size_t idx,
                             uint32_t default_action, bool *notify, keel_error **err)
{
  char what[64];
  uint32_t action;
  element_path (what, "syscalls", idx);
  if (resolve_action (sc->action, sc->has_errno_ret, sc->errno_ret, what, &action, err) < 0)
    return -1;
  if (action == SCMP_ACT_NOTIFY)
    for (char *const *n = sc->names; n != NULL && *n != NULL; n++)
      /* The container hands its notify fd back to the runtime with these
       * after the filter is loaded: notifying them would wait forever for an
       * agent that has not got the fd yet (runc refuses write likewise). */
      if (strcmp (*n, "write") == 0 || strcmp (*n, "sendmsg") == 0)
        return profile_err (err, 0, what, "SCMP_ACT_NOTIFY cannot be used for %s", *n);
  /* libseccomp refuses rules with the default action; they change nothing. */
  if (action == default_action)
    return 0;
  *notify |= action == SCMP_ACT_NOTIFY;

  _cleanup_free_ struct scmp_arg_cmp *conds = calloc (sc->args_len + 1, sizeof *conds);
  if (conds == NULL)
    return keel_err (err, ENOMEM, PROFILE_PATH "%s", what);
  for (size_t i = 0; i < sc->args_len; i++)
    {
      char argwhat[128];
      snprintf (argwhat, sizeof argwhat, "%s.args[%zu]", what, i);
      if (build_condition (&sc->args[i], argwhat, &conds[i], err) < 0)
        return -1;
    }
  for (char *const *n = sc->names; n != NULL && *n != NULL; n++)
    if (add_syscall_name (ctx, sc, action, conds, *n, what, err) < 0)
      return -1;
  return 0;
}

/* libseccomp 2.5 exports only to an fd: use a memfd and read it back. */
static int export_bpf (scmp_filter_ctx ctx, struct seccomp_program *p, keel_error **err)
{
  _cleanup_close_ int fd = memfd_create ("keel-seccomp", MFD_CLOEXEC);
  struct stat st;
  if (fd < 0)
    return profile_err (err, errno, "", "memfd_create");
  int r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return profile_err (err, -r, "", "exporting the BPF program");
  if (fstat (fd, &st) < 0)
    return profile_err (err, errno, "", "fstat memfd");
  size_t n = st.st_size / sizeof (struct sock_filter);
  if (n == 0 || n > BPF_MAXINSNS || (size_t)st.st_size % sizeof (struct sock_filter) != 0)
    return profile_err (err, 0, "", "the filter has %zu BPF instructions, the kernel takes 1-%d", n, BPF_MAXINSNS);
  p->insns = malloc (st.st_size);
  if (p->insns == NULL)
    return keel_err (err, ENOMEM, PROFILE_PATH);
  if (pread (fd, p->insns, st.st_size, 0) != st.st_size)
    return profile_err (err, errno, "", "reading the BPF program back");
  p->len = n;
  return 0;
}

static int check_listener (const struct rc_seccomp *s, bool notify, keel_error **err)
{
  /* config-linux.md "Seccomp": listenerMetadata "MUST NOT be set if
   * listenerPath is not set". */
  if (s->listener_metadata != NULL && s->listener_path == NULL)
    return profile_err (err, 0, ".listenerMetadata", "set without listenerPath");
  /* Without an agent, every notified syscall would block forever. */
  if (notify && s->listener_path == NULL)
    return profile_err (err, 0, "", "SCMP_ACT_NOTIFY is used but listenerPath is not set");
  return 0;
}

static void ctx_releasep (scmp_filter_ctx *ctx)
{
  if (*ctx != NULL)
    seccomp_release (*ctx);
}

static int compile_into (const struct rc_seccomp *s, struct seccomp_program *p, keel_error **err)
{
  uint32_t default_action;
  __attribute__ ((cleanup (ctx_releasep))) scmp_filter_ctx ctx = NULL;

  if (resolve_action (s->default_action, s->has_default_errno_ret, s->default_errno_ret, ".defaultAction",
                      &default_action, err)
      < 0)
    return -1;
  /* The runtime itself would be the first to wait on its own agent. */
  if (default_action == SCMP_ACT_NOTIFY)
    return profile_err (err, 0, ".defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
  ctx = seccomp_init (default_action);
  if (ctx == NULL)
    return profile_err (err, 0, "", "seccomp_init failed");
  if (add_arches (ctx, s->architectures, err) < 0 || resolve_flags (s->flags, &p->flags, err) < 0)
    return -1;
  for (size_t i = 0; i < s->syscalls_len; i++)
    if (add_syscall_rule (ctx, &s->syscalls[i], i, default_action, &p->notify, err) < 0)
      return -1;
  if (check_listener (s, p->notify, err) < 0)
    return -1;
  if (p->notify)
    /* The kernel refuses TSYNC with NEW_LISTENER unless TSYNC failures are
     * reported as ESRCH (the listener fd takes the return value). */
    p->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER
                | (p->flags & SECCOMP_FILTER_FLAG_TSYNC ? SECCOMP_FILTER_FLAG_TSYNC_ESRCH : 0);
  else
    /* Only changes how a notification waits: nothing to wait for here, and
     * the kernel rejects it without NEW_LISTENER. */
    p->flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  return export_bpf (ctx, p, err);
}

int seccomp_compile (const struct rc_seccomp *s, struct seccomp_program **out, keel_error **err)
{
  struct seccomp_program *p = calloc (1, sizeof *p);
  if (p == NULL)
    return keel_err (err, ENOMEM, "seccomp");
  if (compile_into (s, p, err) < 0)
    {
      seccomp_program_free (p);
      return -1;
    }
  *out = p;
  return 0;
}

/* ---- cache ---- */

/* A cache file: this header, then the KEY_LEN bytes of the canonical
 * description the program was compiled from (cache_describe), then LEN
 * struct sock_filter. */
struct cache_header
{
  char magic[8]; /* CACHE_MAGIC; bump the version when the layout or compile semantics change */
  uint32_t flags;
  uint32_t notify;
  uint32_t len;
  uint32_t key_len;
};
#define CACHE_MAGIC "KSCMP002"

/* What decides the program: the profile (as canonical JSON), libseccomp's
 * version (syscall tables, codegen) and the kernel (actions and flags probed). */
static int cache_describe (const struct rc_seccomp *s, char **out, keel_error **err)
{
  struct rc_linux linux_ = { .seccomp = (struct rc_seccomp *)s };
  struct runtime_config c = { .oci_version = (char *)RUNTIME_CONFIG_OCI_VERSION, .linux_ = &linux_ };
  const struct scmp_version *v = seccomp_version ();
  _cleanup_free_ char *profile = NULL;
  struct utsname u;
  size_t len;

  if (uname (&u) < 0)
    return keel_err_errno (err, "uname");
  if (runtime_config_emit (&c, false, &profile, &len, err) < 0)
    return -1;
  if (asprintf (out, "%s libseccomp %u.%u.%u kernel %s %s\n%s", CACHE_MAGIC, v->major, v->minor, v->micro, u.release,
                u.machine, profile)
      < 0)
    return keel_err (err, ENOMEM, "cache key");
  return 0;
}

/* 64-bit FNV-1a. Only names the entry: cache_read compares the whole
 * description stored in it, so a collision (accidental or forged) is a miss,
 * never another profile's filter. This keeps sha256, and with it libcrypto's
 * 4.5 MB, out of the runtime's start-up (issue 9). */
static uint64_t cache_hash (const char *text, size_t len)
{
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)text[i]) * 0x100000001b3ULL;
  return h;
}

/* NULL when absent, not a well-formed entry, or compiled from another
 * description than KEY. */
static struct seccomp_program *cache_read (const char *path, const char *key, size_t key_len)
{
  _cleanup_error_ keel_error *ignored = NULL;
  _cleanup_free_ char *buf = NULL;
  struct cache_header h;
  size_t len;
  if (read_file (path, &buf, &len, &ignored) < 0 || len < sizeof h)
    return NULL;
  memcpy (&h, buf, sizeof h);
  if (memcmp (h.magic, CACHE_MAGIC, sizeof h.magic) != 0 || h.len == 0 || h.len > BPF_MAXINSNS || h.key_len != key_len
      || len != sizeof h + key_len + h.len * sizeof (struct sock_filter) || memcmp (buf + sizeof h, key, key_len) != 0)
    return NULL;
  struct seccomp_program *p = calloc (1, sizeof *p);
  size_t bytes = h.len * sizeof (struct sock_filter);
  if (p == NULL || (p->insns = malloc (bytes)) == NULL)
    {
      free (p);
      return NULL;
    }
  memcpy (p->insns, buf + sizeof h + key_len, bytes);
  p->len = h.len;
  p->flags = h.flags;
  p->notify = h.notify != 0;
  return p;
}

static int cache_write (const char *path, const char *key, size_t key_len, const struct seccomp_program *p,
                        keel_error **err)
{
  struct cache_header h = { .flags = p->flags, .notify = p->notify, .len = p->len, .key_len = key_len };
  size_t bytes = p->len * sizeof (struct sock_filter);
  _cleanup_free_ char *buf = malloc (sizeof h + key_len + bytes);
  if (buf == NULL)
    return keel_err (err, ENOMEM, "%s", path);
  memcpy (h.magic, CACHE_MAGIC, sizeof h.magic);
  memcpy (buf, &h, sizeof h);
  memcpy (buf + sizeof h, key, key_len);
  memcpy (buf + sizeof h + key_len, p->insns, bytes);
  return write_file_atomic (path, buf, sizeof h + key_len + bytes, 0600, 0, err);
}

int seccomp_compile_cached (const struct rc_seccomp *s, const char *cache_dir, struct seccomp_program **out,
                            keel_error **err)
{
  _cleanup_free_ char *key = NULL, *path = NULL;
  _cleanup_error_ keel_error *ignored = NULL;
  if (cache_describe (s, &key, err) < 0)
    return keel_err_prefix (err, PROFILE_PATH);
  size_t key_len = strlen (key);
  if (asprintf (&path, "%s/%016" PRIx64, cache_dir, cache_hash (key, key_len)) < 0)
    return keel_err (err, ENOMEM, PROFILE_PATH);
  *out = cache_read (path, key, key_len);
  if (*out != NULL)
    return 0;
  if (seccomp_compile (s, out, err) < 0)
    return -1;
  if (mkdir_p (cache_dir, 0700, &ignored) == 0)
    cache_write (path, key, key_len, *out, &ignored);
  return 0;
}

/* Rough compile cost: libseccomp emits code per syscall name and per arch. */
static size_t profile_weight (const struct rc_seccomp *s)
{
  size_t names = 0, arches = 1; /* the native arch is always there */
  for (char *const *a = s->architectures; a != NULL && *a != NULL; a++)
    arches++;
  for (size_t i = 0; i < s->syscalls_len; i++)
    for (char *const *n = s->syscalls[i].names; n != NULL && *n != NULL; n++)
      names++;
  return names * arches;
}

/* Bounds the cache: distinct profiles are few in practice, so when the
 * limit is reached the entries are simply all dropped. A reader that already
 * opened one keeps reading it. */
static void cache_prune (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  size_t n = 0;
  if (d == NULL)
    return;
  while ((e = readdir (d)) != NULL)
    n += e->d_type == DT_REG;
  if (n >= SECCOMP_CACHE_MAX)
    {
      rewinddir (d);
      while ((e = readdir (d)) != NULL)
        if (e->d_type == DT_REG)
          unlinkat (dirfd (d), e->d_name, 0);
    }
  closedir (d);
}

int seccomp_compile_for_runtime (const struct rc_seccomp *s, const char *state_root, struct seccomp_program **out,
                                 keel_error **err)
{
  _cleanup_free_ char *dir = NULL;
  if (profile_weight (s) < SECCOMP_CACHE_MIN_RULES)
    return seccomp_compile (s, out, err);
  _cleanup_error_ keel_error *ignored = NULL;
  if (asprintf (&dir, "%s/%s", state_root, SECCOMP_CACHE_DIR) < 0)
    return keel_err (err, ENOMEM, PROFILE_PATH);
  /* The state root's own mode (state_dir.c), should the cache come first. */
  mkdir_p (state_root, 0711, &ignored);
  cache_prune (dir);
  return seccomp_compile_cached (s, dir, out, err);
}

bool seccomp_program_uses_notify (const struct seccomp_program *p)
{
  return p->notify;
}

unsigned int seccomp_program_size (const struct seccomp_program *p)
{
  return p->len;
}

const void *seccomp_program_bpf (const struct seccomp_program *p, size_t *bytes)
{
  *bytes = p->len * sizeof (struct sock_filter);
  return p->insns;
}

unsigned int seccomp_program_flags (const struct seccomp_program *p)
{
  return p->flags;
}

void seccomp_program_free (struct seccomp_program *p)
{
  if (p == NULL)
    return;
  free (p->insns);
  free (p);
}

void seccomp_program_freep (struct seccomp_program **p)
{
  seccomp_program_free (*p);
  *p = NULL;
}

/* ---- load ---- */

int seccomp_program_load (const struct seccomp_program *p, int *notify_fd_out, keel_error **err)
{
  struct sock_fprog prog = { .len = p->len, .filter = p->insns };
  if (notify_fd_out != NULL)
    *notify_fd_out = -1;
  if (p->notify && notify_fd_out == NULL)
    return keel_err (err, EINVAL, "seccomp: the filter uses SCMP_ACT_NOTIFY but nobody takes the listener fd");
  long r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);
  if (r < 0 && errno == EACCES)
    return keel_err_errno (err, "seccomp: loading the filter (needs no_new_privs or CAP_SYS_ADMIN)");
  if (r < 0)
    return keel_err_errno (err, "seccomp: loading the filter");
  /* With TSYNC (and no listener) a positive value is the thread that could
   * not be synchronised. */
  if (!p->notify && r > 0)
    return keel_err (err, 0, "seccomp: thread %ld could not be synchronised (TSYNC)", r);
  if (p->notify)
    *notify_fd_out = (int)r;
  return 0;
}

/* ---- listener ---- */

/* config-linux.md "The Container Process State". */
static int process_state_json (const char *state_json, pid_t process_pid, const char *metadata, char **out, size_t *len,
                               keel_error **err)
{
  __attribute__ ((cleanup (json_tree_freep))) yajl_val state = NULL;
  __attribute__ ((cleanup (json_gen_freep))) yajl_gen g = json_gen_new (false);
  if (json_parse ("state", state_json, strlen (state_json), &state, err) < 0)
    return -1;
  yajl_val pid = json_member (state, "pid");
  if (pid == NULL || !YAJL_IS_INTEGER (pid))
    return keel_err (err, 0, "state: no integer \"pid\"");
  yajl_gen_map_open (g);
  json_gen_kv_str (g, "ociVersion", KEEL_OCI_VERSION);
  json_gen_key (g, "fds");
  yajl_gen_array_open (g);
  json_gen_str (g, "seccompFd");
  yajl_gen_array_close (g);
  json_gen_kv_int (g, "pid", process_pid > 0 ? process_pid : YAJL_GET_INTEGER (pid));
  json_gen_kv_str (g, "metadata", metadata);
  json_gen_key (g, "state");
  json_gen_tree (g, state);
  yajl_gen_map_close (g);
  return json_gen_take (g, out, len, err);
}

static int connect_unix (const char *path, keel_error **err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof addr.sun_path)
    return keel_err (err, ENAMETOOLONG, "%s", path);
  strcpy (addr.sun_path, path);
  _cleanup_close_ int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return keel_err_errno (err, "socket");
  if (connect (fd, (struct sockaddr *)&addr, sizeof addr) < 0)
    return keel_err_errno (err, "connect %s", path);
  return keel_steal_fd (fd);
}

/* The fds go with the first sendmsg only (config-linux.md "The Container
 * Process State"); the rest of a long document follows with send(). */
static int send_with_fd (int sock, const char *buf, size_t len, int fd, keel_error **err)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control = { 0 };
  struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof fd);

  ssize_t n;
  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return keel_err_errno (err, "sendmsg");
  for (size_t off = n; off < len; off += n)
    {
      n = send (sock, buf + off, len - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        n = 0;
      else if (n < 0)
        return keel_err_errno (err, "send");
    }
  return 0;
}

int seccomp_send_listener (const char *listener_path, int notify_fd, const char *state_json, const char *metadata,
                           keel_error **err)
{
  return seccomp_send_listener_for (listener_path, notify_fd, 0, state_json, metadata, err);
}

int seccomp_send_listener_for (const char *listener_path, int notify_fd, pid_t process_pid, const char *state_json,
                               const char *metadata, keel_error **err)
{
  _cleanup_free_ char *doc = NULL;
  size_t len;
  /* config-linux.md "Seccomp" listenerPath: "If sending to this socket
   * fails, the runtime MUST generate an error"; one state per connection,
   * closed afterwards. */
  if (process_state_json (state_json, process_pid, metadata, &doc, &len, err) < 0)
    return keel_err_prefix (err, "seccomp listener %s", listener_path);
  _cleanup_close_ int sock = connect_unix (listener_path, err);
  if (sock < 0 || send_with_fd (sock, doc, len, notify_fd, err) < 0)
    return keel_err_prefix (err, "seccomp listener %s", listener_path);
  return 0;
}

/* ---- features ---- */

static const char **strv_new (size_t n)
{
  return calloc (n + 1, sizeof (const char *));
}

const char **seccomp_supported_actions (void)
{
  const char **v = strv_new (N_ELEMENTS (actions));
  size_t k = 0;
  if (v == NULL)
    return NULL;
  for (size_t i = 0; i < N_ELEMENTS (actions); i++)
    if (kernel_has_action (actions[i].kernel_ret))
      v[k++] = actions[i].name;
  return v;
}

const char **seccomp_supported_operators (void)
{
  const char **v = strv_new (N_ELEMENTS (ops));
  if (v == NULL)
    return NULL;
  for (size_t i = 0; i < N_ELEMENTS (ops); i++)
    v[i] = ops[i].name;
  return v;
}

const char **seccomp_supported_archs (void)
{
  const char **v = strv_new (N_ELEMENTS (arch_names));
  size_t k = 0;
  if (v == NULL)
    return NULL;
  for (size_t i = 0; i < N_ELEMENTS (arch_names); i++)
    if (arch_token (arch_names[i]) != 0)
      v[k++] = arch_names[i];
  return v;
}

const char **seccomp_supported_flags (void)
{
  const char **v = strv_new (N_ELEMENTS (flags));
  size_t k = 0;
  if (v == NULL)
    return NULL;
  for (size_t i = 0; i < N_ELEMENTS (flags); i++)
    if (kernel_has_flag (flags[i].flag))
      v[k++] = flags[i].name;
  return v;
}
