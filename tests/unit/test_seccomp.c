/* Unit tests for runtime/seccomp.c: compile errors, skipped names, ignored and split rules, features lists. */
#include "config.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "runtime_config.h"
#include "runtime/seccomp.h"
#include "tap.h"

/* A config.json whose linux.seccomp is SECCOMP (a JSON object). */
static struct runtime_config *parse_seccomp (const char *seccomp)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_free_ char *doc = NULL;
  struct runtime_config *c = NULL;
  if (asprintf (&doc,
                "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
                "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"linux\":{\"seccomp\":%s}}",
                seccomp)
      < 0)
    return NULL;
  if (runtime_config_parse ("config.json", doc, strlen (doc), &c, &err) < 0)
    printf ("# parse: %s\n", err->msg);
  return c;
}

/* Compile; returns the program or NULL with the error message in *msg. */
static struct seccomp_program *compile (const struct rc_seccomp *s, char **msg)
{
  _cleanup_error_ keel_error *err = NULL;
  struct seccomp_program *p = NULL;
  *msg = NULL;
  if (seccomp_compile (s, &p, &err) < 0)
    *msg = strdup (err->msg);
  return p;
}

static struct seccomp_program *compile_json (const char *seccomp, char **msg)
{
  _cleanup_runtime_config_ struct runtime_config *c = parse_seccomp (seccomp);
  *msg = NULL;
  if (c == NULL)
    return NULL;
  return compile (c->linux_->seccomp, msg);
}

/* An error is expected: check it names WANT. */
static void expect_error (const char *seccomp, const char *want, const char *what)
{
  _cleanup_free_ char *msg = NULL;
  _cleanup_seccomp_program_ struct seccomp_program *p = compile_json (seccomp, &msg);
  tap_ok (p == NULL, "%s: refused", what);
  tap_like (msg, want, "%s: message", what);
}

static bool same_bpf (const char *a, const char *b)
{
  _cleanup_free_ char *ma = NULL, *mb = NULL;
  _cleanup_seccomp_program_ struct seccomp_program *pa = compile_json (a, &ma);
  _cleanup_seccomp_program_ struct seccomp_program *pb = compile_json (b, &mb);
  size_t la, lb;
  if (pa == NULL || pb == NULL)
    {
      printf ("# %s / %s\n", ma ? ma : "ok", mb ? mb : "ok");
      return false;
    }
  const void *ba = seccomp_program_bpf (pa, &la), *bb = seccomp_program_bpf (pb, &lb);
  return la == lb && memcmp (ba, bb, la) == 0;
}

static void test_basic (void)
{
  _cleanup_free_ char *msg = NULL;
  _cleanup_seccomp_program_ struct seccomp_program *p = compile_json (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\","
      "\"SCMP_ARCH_AARCH64\"],\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
      "\"syscalls\":[{\"names\":[\"mkdir\",\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42}]}",
      &msg);
  if (!tap_ok (p != NULL, "a profile with foreign arches, a flag and a rule compiles"))
    printf ("# %s\n", msg);
  tap_ok (p != NULL && seccomp_program_size (p) > 4, "it has BPF instructions");
  tap_ok (p != NULL && !seccomp_program_uses_notify (p), "no NOTIFY");
  tap_ok (p != NULL && seccomp_program_flags (p) == SECCOMP_FILTER_FLAG_LOG, "flags carried to seccomp(2)");
}

static void test_errors (void)
{
  expect_error ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
                "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":70000}]}",
                "errno value 70000 out of range", "errnoRet beyond 16 bits");
  expect_error ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
                "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
                "config.json: .linux.seccomp.syscalls[0].args[0]: argument index 6 out of range", "argument index 6");
  expect_error (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"},"
      "{\"names\":[\"rmdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":"
      "\"SCMP_CMP_EQ\"},{\"index\":7,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
      "config.json: .linux.seccomp.syscalls[1].args[1]: argument index 7 out of range",
      "the path counts rules and arguments");
  expect_error ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
                "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
                "config.json: .linux.seccomp: SCMP_ACT_NOTIFY is used but listenerPath is not set",
                "NOTIFY without listenerPath");
  expect_error ("{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/x\"}",
                "config.json: .linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action",
                "NOTIFY as default");
  expect_error ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/x\",\"syscalls\":[{\"names\":[\"mkdir\","
                "\"write\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
                "config.json: .linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for write", "NOTIFY on write");
}

/* The parser already refuses unknown names; seccomp_compile must too, since
 * the runtime may build an rc_seccomp itself. */
static void test_unknown_names (void)
{
  _cleanup_runtime_config_ struct runtime_config *c
      = parse_seccomp ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\"],"
                       "\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\","
                       "\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}");
  struct rc_seccomp *s = c->linux_->seccomp;
  _cleanup_free_ char *msg = NULL;
  char *saved;

  saved = s->flags[0];
  s->flags[0] = (char *)"SECCOMP_FILTER_FLAG_BOGUS";
  tap_ok (compile (s, &msg) == NULL, "unknown flag refused");
  tap_is (msg, "config.json: .linux.seccomp.flags[0]: unknown flag SECCOMP_FILTER_FLAG_BOGUS",
          "the message names the file, the flag's JSON path and the flag");
  s->flags[0] = saved;
  free (msg);

  saved = s->syscalls[0].action;
  s->syscalls[0].action = (char *)"SCMP_ACT_BOGUS";
  tap_ok (compile (s, &msg) == NULL, "unknown action refused");
  tap_is (msg, "config.json: .linux.seccomp.syscalls[0]: unknown action SCMP_ACT_BOGUS",
          "the message names the file, the rule's JSON path and the action");
  s->syscalls[0].action = saved;
  free (msg);

  saved = s->syscalls[0].args[0].op;
  s->syscalls[0].args[0].op = (char *)"SCMP_CMP_BOGUS";
  tap_ok (compile (s, &msg) == NULL, "unknown operator refused");
  tap_is (msg, "config.json: .linux.seccomp.syscalls[0].args[0]: unknown operator SCMP_CMP_BOGUS",
          "the message names the argument's JSON path");
  s->syscalls[0].args[0].op = saved;
  free (msg);

  /* config-linux.md "Seccomp": errnoRet on an action without one MUST fail. */
  s->has_default_errno_ret = true;
  tap_ok (compile (s, &msg) == NULL, "defaultErrnoRet with ALLOW refused");
  tap_like (msg, "config.json: .linux.seccomp.defaultAction: SCMP_ACT_ALLOW does not take an errno",
            "the message says why");
  s->has_default_errno_ret = false;
  free (msg);

  saved = s->syscalls[0].action;
  s->syscalls[0].action = (char *)"SCMP_ACT_KILL_PROCESS";
  s->syscalls[0].has_errno_ret = true;
  tap_ok (compile (s, &msg) == NULL, "errnoRet on KILL_PROCESS refused");
  tap_like (msg, "config.json: .linux.seccomp.syscalls[0]: SCMP_ACT_KILL_PROCESS does not take an errno",
            "the message names the rule");
  s->syscalls[0].action = saved;
  s->syscalls[0].has_errno_ret = false;
  free (msg);

  s->listener_metadata = strdup ("m");
  tap_ok (compile (s, &msg) == NULL, "listenerMetadata without listenerPath refused");
  tap_is (msg, "config.json: .linux.seccomp.listenerMetadata: set without listenerPath", "the message says so");
  free (msg);

  /* Valid per runtime-spec, but only libseccomp >= 2.6 knows it. */
  char *arches[] = { (char *)"SCMP_ARCH_LOONGARCH64", NULL };
  s->architectures = arches;
  struct seccomp_program *p = compile (s, &msg);
  s->architectures = NULL;
  const struct scmp_version *v = seccomp_version ();
  if (v->major == 2 && v->minor < 6)
    {
      tap_ok (p == NULL, "an arch this libseccomp lacks is refused");
      tap_like (msg,
                "config.json: .linux.seccomp.architectures[0]: SCMP_ARCH_LOONGARCH64 is not supported by libseccomp 2.",
                "message names it");
    }
  else
    tap_skip ("libseccomp >= 2.6 knows loongarch64");
  seccomp_program_free (p);
  free (msg);
  msg = NULL;
}

static void test_rules (void)
{
  tap_ok (same_bpf ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"no_such_syscall\"],"
                    "\"action\":\"SCMP_ACT_ERRNO\"}]}",
                    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
                    "\"action\":\"SCMP_ACT_ERRNO\"}]}"),
          "unknown syscall names are skipped");
  tap_ok (same_bpf ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"no_such_syscall\"],"
                    "\"action\":\"SCMP_ACT_ERRNO\"}]}",
                    "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}"),
          "a rule with only unknown names adds nothing");
  tap_ok (same_bpf ("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":["
                    "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},"
                    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
                    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":["
                    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"),
          "a rule with the default action (and errno) is ignored");
  tap_ok (!same_bpf ("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":["
                     "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
                     "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38}"),
          "ERRNO with another errno than the default is kept");
  tap_ok (!same_bpf ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"no_such_syscall\",\"mkdir\"],"
                     "\"action\":\"SCMP_ACT_TRACE\"}]}",
                     "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}"),
          "names after an unknown one still get rules");

  const char *split = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"umask\"],"
                      "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":18,\"op\":\"SCMP_CMP_EQ\"},"
                      "{\"index\":0,\"value\":63,\"op\":\"SCMP_CMP_EQ\"}]}]}";
  _cleanup_free_ char *msg = NULL;
  _cleanup_seccomp_program_ struct seccomp_program *p = compile_json (split, &msg);
  if (!tap_ok (p != NULL, "two conditions on one argument compile (split into two rules)"))
    printf ("# %s\n", msg);
  tap_ok (same_bpf (split,
                    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"umask\"],"
                    "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":18,\"op\":\"SCMP_CMP_EQ\"}]},"
                    "{\"names\":[\"umask\"],\"action\":\"SCMP_ACT_ERRNO\","
                    "\"args\":[{\"index\":0,\"value\":63,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
          "the split equals two rules written separately");
  tap_ok (!same_bpf ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"umask\"],"
                     "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":7,\"valueTwo\":2,"
                     "\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}",
                     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"umask\"],"
                     "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":7,\"valueTwo\":3,"
                     "\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}"),
          "MASKED_EQ uses valueTwo");
}

static void test_notify (void)
{
  _cleanup_free_ char *msg = NULL;
  _cleanup_seccomp_program_ struct seccomp_program *p
      = compile_json ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/agent.sock\",\"flags\":["
                      "\"SECCOMP_FILTER_FLAG_TSYNC\",\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],"
                      "\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
                      &msg);
  if (!tap_ok (p != NULL && seccomp_program_uses_notify (p), "NOTIFY with listenerPath compiles and says so"))
    printf ("# %s\n", msg ? msg : "");
  unsigned int want = SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_NEW_LISTENER | (1U << 4) | (1U << 5);
  tap_ok (p != NULL && seccomp_program_flags (p) == want, "NEW_LISTENER added, TSYNC paired with TSYNC_ESRCH");

  _cleanup_seccomp_program_ struct seccomp_program *q = compile_json (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}", &msg);
  tap_ok (q != NULL && seccomp_program_flags (q) == 0, "WAIT_KILLABLE_RECV dropped without a listener");
}

/* The one file in DIR (cache entries are named by their key), NULL unless exactly one. */
static char *only_file (const char *dir)
{
  _cleanup_closedir_ DIR *d = opendir (dir);
  struct dirent *e;
  char *found = NULL;
  int n = 0;
  while (d != NULL && (e = readdir (d)) != NULL)
    if (e->d_name[0] != '.' && n++ == 0 && asprintf (&found, "%s/%s", dir, e->d_name) < 0)
      found = NULL;
  if (n != 1)
    {
      free (found);
      return NULL;
    }
  return found;
}

static bool same_program (const struct seccomp_program *a, const struct seccomp_program *b)
{
  size_t la, lb;
  const void *ba = seccomp_program_bpf (a, &la), *bb = seccomp_program_bpf (b, &lb);
  return la == lb && memcmp (ba, bb, la) == 0 && seccomp_program_flags (a) == seccomp_program_flags (b)
         && seccomp_program_uses_notify (a) == seccomp_program_uses_notify (b);
}

static struct seccomp_program *compile_cached (const struct rc_seccomp *s, const char *dir)
{
  _cleanup_error_ keel_error *err = NULL;
  struct seccomp_program *p = NULL;
  if (seccomp_compile_cached (s, dir, &p, &err) < 0)
    printf ("# %s\n", err->msg);
  return p;
}

static void test_cache (void)
{
  char tmpl[] = "/tmp/keel-seccomp-cache.XXXXXX";
  _cleanup_free_ char *dir = NULL, *entry = NULL, *entry2 = NULL;
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_runtime_config_ struct runtime_config *c = parse_seccomp (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/a.sock\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
      "\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"},"
      "{\"names\":[\"umask\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":7,\"op\":\"SCMP_CMP_EQ\"}]"
      "}]}");
  struct rc_seccomp *s = c->linux_->seccomp;
  _cleanup_free_ char *msg = NULL;

  if (mkdtemp (tmpl) == NULL || asprintf (&dir, "%s/cache", tmpl) < 0)
    return;
  _cleanup_seccomp_program_ struct seccomp_program *direct = compile (s, &msg);
  _cleanup_seccomp_program_ struct seccomp_program *first = compile_cached (s, dir);
  entry = only_file (dir);
  tap_ok (first != NULL && same_program (first, direct), "cache miss: the same program as seccomp_compile");
  tap_ok (entry != NULL, "cache miss: one entry written");

  struct stat st;
  tap_ok (stat (dir, &st) == 0 && (st.st_mode & 0777) == 0700, "cache dir is 0700");
  /* Overwrite the entry's BPF with other bytes: a hit must return them. */
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  if (entry != NULL && read_file (entry, &buf, &len, &err) == 0 && len > 32)
    {
      buf[len - 1] ^= 0x55;
      write_file_atomic (entry, buf, len, 0600, 0, &err);
    }
  _cleanup_seccomp_program_ struct seccomp_program *hit = compile_cached (s, dir);
  tap_ok (hit != NULL && !same_program (hit, direct) && seccomp_program_uses_notify (hit)
              && seccomp_program_flags (hit) == seccomp_program_flags (direct),
          "cache hit: the program is read back, not compiled");

  if (entry != NULL)
    truncate (entry, len - 3);
  _cleanup_seccomp_program_ struct seccomp_program *damaged = compile_cached (s, dir);
  tap_ok (damaged != NULL && same_program (damaged, direct), "a damaged entry is recompiled");
  _cleanup_seccomp_program_ struct seccomp_program *again = compile_cached (s, dir);
  tap_ok (again != NULL && same_program (again, direct), "... and rewritten");

  s->syscalls[1].args[0].value = 8;
  _cleanup_seccomp_program_ struct seccomp_program *other = compile_cached (s, dir);
  tap_ok (other != NULL && !same_program (other, direct), "another profile (one argument value) is another entry");
  /* Profile A's entry copied under profile B's name: the name (the hash) is
   * right, the stored description is not, so B must not get A's filter. */
  _cleanup_free_ char *a_bytes = NULL;
  size_t a_len = 0;
  bool have_a = entry != NULL && read_file (entry, &a_bytes, &a_len, &err) == 0;
  if (entry != NULL)
    unlink (entry);
  entry2 = only_file (dir);
  tap_ok (entry2 != NULL && strcmp (entry2, entry ? entry : "") != 0, "... under another key");
  if (have_a && entry2 != NULL)
    write_file_atomic (entry2, a_bytes, a_len, 0600, 0, &err);
  _cleanup_seccomp_program_ struct seccomp_program *forged = compile_cached (s, dir);
  tap_ok (have_a && forged != NULL && same_program (forged, other),
          "an entry under the right name holding another profile is not used");
  if (entry2 != NULL)
    unlink (entry2);
  rmdir (dir);
  rmdir (tmpl);
}

static bool strv_has (const char **v, const char *s)
{
  for (; v != NULL && *v != NULL; v++)
    if (strcmp (*v, s) == 0)
      return true;
  return false;
}

static void test_features (void)
{
  _cleanup_free_ const char **actions = seccomp_supported_actions ();
  _cleanup_free_ const char **ops = seccomp_supported_operators ();
  _cleanup_free_ const char **archs = seccomp_supported_archs ();
  _cleanup_free_ const char **flags = seccomp_supported_flags ();
  size_t n = 0;
  tap_ok (strv_has (actions, "SCMP_ACT_ALLOW") && strv_has (actions, "SCMP_ACT_NOTIFY")
              && strv_has (actions, "SCMP_ACT_KILL_PROCESS"),
          "features: actions (kernel 5.x+ has NOTIFY, KILL_PROCESS)");
  for (const char **o = ops; o && *o; o++)
    n++;
  tap_ok (n == 7 && strv_has (ops, "SCMP_CMP_MASKED_EQ"), "features: the 7 operators");
  tap_ok (strv_has (archs, "SCMP_ARCH_X86_64") && strv_has (archs, "SCMP_ARCH_AARCH64"), "features: arches");
  tap_ok (strv_has (flags, "SECCOMP_FILTER_FLAG_TSYNC") && strv_has (flags, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
          "features: flags the kernel has");
}

int main (void)
{
  test_basic ();
  test_errors ();
  test_unknown_names ();
  test_rules ();
  test_notify ();
  test_features ();
  test_cache ();
  return tap_done ();
}
