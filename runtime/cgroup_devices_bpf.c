/* linux.resources.devices → eBPF cgroup device program (cgroup v2), loaded and attached with bpf(2). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup_devices_bpf.h"
#include "cleanup.h"

/* Registers: r1 = struct bpf_cgroup_dev_ctx *, then r2 = access, r3 = type, r4 = major, r5 = minor, r6 scratch. */
enum
{
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  R6
};

static struct bpf_insn ins (uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* One rule's conditions as "if (reg != imm) skip this rule" tests, plus the verdict. */
struct rule_code
{
  struct bpf_insn insn[16];
  size_t n;
};

static void skip_unless_eq (struct rule_code *rc, uint8_t reg, int32_t v)
{
  /* jump target patched once the rule's length is known */
  rc->insn[rc->n++] = ins (BPF_JMP32 | BPF_JNE | BPF_K, reg, 0, -1, v);
}

static int parse_type (const char *t, int32_t *out)
{
  if (t == NULL || strcmp (t, "a") == 0)
    *out = 0;
  else if (strcmp (t, "c") == 0)
    *out = BPF_DEVCG_DEV_CHAR;
  else if (strcmp (t, "b") == 0)
    *out = BPF_DEVCG_DEV_BLOCK;
  else
    return -1;
  return 0;
}

static int parse_access (const char *a, int32_t *out)
{
  *out = 0;
  if (a == NULL || *a == '\0')
    a = "rwm"; /* runtime-spec: access defaults to all */
  for (; *a; a++)
    switch (*a)
      {
      case 'r':
        *out |= BPF_DEVCG_ACC_READ;
        break;
      case 'w':
        *out |= BPF_DEVCG_ACC_WRITE;
        break;
      case 'm':
        *out |= BPF_DEVCG_ACC_MKNOD;
        break;
      default:
        return -1;
      }
  return 0;
}

static int rule_compile (const struct rc_device_cgroup *d, size_t idx, struct rule_code *rc, keel_error **err)
{
  int32_t type, access;
  const int32_t all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
  if (parse_type (d->type, &type) < 0)
    return keel_err (err, 0, "devices[%zu].type \"%s\" is not a, b or c", idx, d->type);
  if (parse_access (d->access, &access) < 0)
    return keel_err (err, 0, "devices[%zu].access \"%s\" is not a subset of rwm", idx, d->access);
  rc->n = 0;
  if (type != 0)
    skip_unless_eq (rc, R3, type);
  if (access != all)
    {
      /* the requested access must be a subset of the rule's: (req & ~rule) == 0 */
      rc->insn[rc->n++] = ins (BPF_ALU64 | BPF_MOV | BPF_X, R6, R2, 0, 0);
      rc->insn[rc->n++] = ins (BPF_ALU64 | BPF_AND | BPF_K, R6, 0, 0, all & ~access);
      skip_unless_eq (rc, R6, 0);
    }
  /* -1 or absent major/minor is the wildcard */
  if (d->has_major && d->major >= 0)
    skip_unless_eq (rc, R4, (int32_t)d->major);
  if (d->has_minor && d->minor >= 0)
    skip_unless_eq (rc, R5, (int32_t)d->minor);
  rc->insn[rc->n++] = ins (BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, d->allow ? 1 : 0);
  rc->insn[rc->n++] = ins (BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  for (size_t i = 0; i < rc->n; i++)
    if (rc->insn[i].off == -1)
      rc->insn[i].off = (int16_t)(rc->n - i - 1);
  return 0;
}

int cgroup_devices_bpf_build (const struct rc_device_cgroup *rules, size_t n, struct bpf_insn **out, size_t *len,
                              keel_error **err)
{
  const struct bpf_insn prologue[] = {
    ins (BPF_LDX | BPF_MEM | BPF_W, R2, R1, offsetof (struct bpf_cgroup_dev_ctx, access_type), 0),
    ins (BPF_ALU64 | BPF_MOV | BPF_X, R3, R2, 0, 0),
    ins (BPF_ALU64 | BPF_AND | BPF_K, R3, 0, 0, 0xffff),
    ins (BPF_ALU64 | BPF_RSH | BPF_K, R2, 0, 0, 16),
    ins (BPF_LDX | BPF_MEM | BPF_W, R4, R1, offsetof (struct bpf_cgroup_dev_ctx, major), 0),
    ins (BPF_LDX | BPF_MEM | BPF_W, R5, R1, offsetof (struct bpf_cgroup_dev_ctx, minor), 0),
  };
  size_t np = sizeof (prologue) / sizeof (prologue[0]);
  _cleanup_free_ struct bpf_insn *p = calloc (np + n * 16 + 2, sizeof (*p));
  if (p == NULL)
    return keel_err_errno (err, "calloc");
  memcpy (p, prologue, sizeof (prologue));
  size_t k = np;
  bool decided = false;
  /* Last match wins: test the rules from the end, the first hit decides. */
  for (size_t i = n; i-- > 0;)
    {
      struct rule_code rc;
      if (rule_compile (&rules[i], i, &rc, err) < 0)
        return -1;
      memcpy (p + k, rc.insn, rc.n * sizeof (*p));
      k += rc.n;
      /* A rule without conditions always decides: the verifier rejects the
       * unreachable code that would follow it. */
      if (rc.n == 2)
        {
          decided = true;
          break;
        }
    }
  /* nothing matched: deny */
  if (!decided)
    {
      p[k++] = ins (BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
      p[k++] = ins (BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    }
  *out = keel_steal_ptr (p);
  *len = k;
  return 0;
}

static int sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int)syscall (SYS_bpf, cmd, attr, sizeof (*attr));
}

static int prog_load (const struct bpf_insn *insn, size_t len, keel_error **err)
{
  static const char license[] = "Apache-2.0";
  char log[4096] = "";
  union bpf_attr a;
  memset (&a, 0, sizeof (a));
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (uintptr_t)insn;
  a.insn_cnt = (uint32_t)len;
  a.license = (uintptr_t)license;
  a.log_buf = (uintptr_t)log;
  a.log_size = sizeof (log);
  a.log_level = 1;
  int fd = sys_bpf (BPF_PROG_LOAD, &a);
  if (fd < 0 && errno == ENOSPC) /* log too small: the load itself may be fine */
    {
      a.log_buf = 0, a.log_size = 0, a.log_level = 0;
      fd = sys_bpf (BPF_PROG_LOAD, &a);
    }
  if (fd < 0)
    return keel_err_errno (err, "bpf(BPF_PROG_LOAD) of the device program%s%s", log[0] ? ", verifier: " : "", log);
  return fd;
}

/* Ids of the device programs attached directly to the cgroup (not inherited). */
static int query_attached (int cgfd, uint32_t *ids, uint32_t *n, keel_error **err)
{
  union bpf_attr a;
  memset (&a, 0, sizeof (a));
  a.query.target_fd = cgfd;
  a.query.attach_type = BPF_CGROUP_DEVICE;
  a.query.prog_ids = (uintptr_t)ids;
  a.query.prog_cnt = *n;
  if (sys_bpf (BPF_PROG_QUERY, &a) < 0)
    return keel_err_errno (err, "bpf(BPF_PROG_QUERY) on the cgroup");
  *n = a.query.prog_cnt;
  return 0;
}

static int detach_id (int cgfd, uint32_t id, keel_error **err)
{
  union bpf_attr a;
  memset (&a, 0, sizeof (a));
  a.prog_id = id;
  _cleanup_close_ int pfd = sys_bpf (BPF_PROG_GET_FD_BY_ID, &a);
  if (pfd < 0)
    return errno == ENOENT ? 0 : keel_err_errno (err, "bpf(BPF_PROG_GET_FD_BY_ID, %u)", id);
  memset (&a, 0, sizeof (a));
  a.target_fd = cgfd;
  a.attach_bpf_fd = pfd;
  a.attach_type = BPF_CGROUP_DEVICE;
  if (sys_bpf (BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
    return keel_err_errno (err, "bpf(BPF_PROG_DETACH) of the previous device program %u", id);
  return 0;
}

int cgroup_devices_bpf_attach (int cgroup_dirfd, const struct rc_device_cgroup *rules, size_t n, keel_error **err)
{
  _cleanup_free_ struct bpf_insn *insn = NULL;
  size_t len;
  uint32_t old[64], nold = 64;
  if (cgroup_devices_bpf_build (rules, n, &insn, &len, err) < 0)
    return -1;
  /* The container's cgroup is ours: whatever device program sits on it
   * directly was attached by an earlier create/update of this container. */
  if (query_attached (cgroup_dirfd, old, &nold, err) < 0)
    return -1;
  if (nold > 64)
    nold = 64;
  _cleanup_close_ int pfd = prog_load (insn, len, err);
  if (pfd < 0)
    return -1;
  union bpf_attr a;
  memset (&a, 0, sizeof (a));
  a.target_fd = cgroup_dirfd;
  a.attach_bpf_fd = pfd;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf (BPF_PROG_ATTACH, &a) < 0)
    return keel_err_errno (err, "bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE)");
  for (uint32_t i = 0; i < nold; i++)
    if (detach_id (cgroup_dirfd, old[i], err) < 0)
      return -1;
  return 0;
}
