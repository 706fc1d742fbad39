/* Unit tests for spec/runtime_config.c: lookups, a full document, round trips, peers' defaults, invalid corpus. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "runtime_config.h"
#include "tap.h"

#define DATADIR KEEL_TEST_DATADIR "/data/config"

static char *slurp (const char *path)
{
  _cleanup_error_ keel_error *err = NULL;
  char *buf = NULL;
  size_t len = 0;
  if (read_file (path, &buf, &len, &err) < 0)
    {
      printf ("# %s\n", err->msg);
      return NULL;
    }
  return buf;
}

/* Parse TEXT as "config.json"; on failure print the error and return NULL. */
static struct runtime_config *parse_text (const char *text)
{
  _cleanup_error_ keel_error *err = NULL;
  struct runtime_config *c = NULL;
  if (runtime_config_parse ("config.json", text, strlen (text), &c, &err) < 0)
    {
      printf ("# %s\n", err->msg);
      return NULL;
    }
  return c;
}

/* The error message for TEXT, or NULL when it parses. */
static char *parse_error (const char *text)
{
  keel_error *err = NULL;
  struct runtime_config *c = NULL;
  char *msg;
  if (runtime_config_parse ("config.json", text, strlen (text), &c, &err) == 0)
    {
      runtime_config_free (c);
      return NULL;
    }
  msg = strdup (err->msg);
  keel_error_free (err);
  return msg;
}

static char *emit (const struct runtime_config *c, bool pretty)
{
  _cleanup_error_ keel_error *err = NULL;
  char *out = NULL;
  if (runtime_config_emit (c, pretty, &out, NULL, &err) < 0)
    {
      printf ("# %s\n", err->msg);
      return NULL;
    }
  return out;
}

static bool strv_eq (char *const *a, const char *const *b)
{
  size_t i = 0;
  if (a == NULL || b == NULL)
    return a == NULL && b == NULL;
  for (; a[i] != NULL && b[i] != NULL; i++)
    if (strcmp (a[i], b[i]) != 0)
      return false;
  return a[i] == NULL && b[i] == NULL;
}

static const char *map_get (char *const *map, const char *key)
{
  for (size_t i = 0; map != NULL && map[i] != NULL; i += 2)
    if (strcmp (map[i], key) == 0)
      return map[i + 1];
  return NULL;
}

/* ---------------------------------------------------------------------- */

static void test_lookups (void)
{
  unsigned long flags = 0;

  tap_ok (rc_rlimit_from_name ("RLIMIT_NOFILE") == RLIMIT_NOFILE, "rlimit name -> RLIMIT_NOFILE");
  tap_ok (rc_rlimit_from_name ("RLIMIT_RTTIME") == RLIMIT_RTTIME, "rlimit name -> RLIMIT_RTTIME");
  tap_ok (rc_rlimit_from_name ("RLIMIT_FOO") == -1 && rc_rlimit_from_name ("nofile") == -1, "unknown rlimit names");
  tap_is (rc_rlimit_name (RLIMIT_STACK), "RLIMIT_STACK", "RLIMIT_STACK -> name");
  tap_ok (rc_capability_from_name ("CAP_CHOWN") == 0 && rc_capability_from_name ("CAP_SYS_ADMIN") == 21
              && rc_capability_from_name ("CAP_CHECKPOINT_RESTORE") == 40,
          "capability names -> numbers");
  tap_ok (rc_capability_from_name ("SYS_ADMIN") == -1 && rc_capability_from_name ("cap_sys_admin") == -1,
          "capability names need the CAP_ prefix, upper case");
  tap_is (rc_capability_name (5), "CAP_KILL", "capability 5 is CAP_KILL");
  tap_ok (rc_capability_last () == 40 && rc_capability_name (41) == NULL, "last capability is 40");
  for (int t = 0; t < RC_NS_COUNT; t++)
    if (rc_namespace_type_from_name (rc_namespace_type_name ((enum rc_namespace_type)t)) != t)
      tap_ok (0, "namespace %d name round trip", t);
  tap_ok (rc_namespace_type_from_name ("net") == -1, "\"net\" is not a namespace type (\"network\" is)");
  tap_ok (rc_namespace_clone_flag (RC_NS_NETWORK) == CLONE_NEWNET
              && rc_namespace_clone_flag (RC_NS_MOUNT) == CLONE_NEWNS
              && rc_namespace_clone_flag (RC_NS_USER) == CLONE_NEWUSER,
          "namespace clone flags");
  tap_is (rc_hook_kind_name (RC_HOOK_CREATE_RUNTIME), "createRuntime", "hook kind names");
  tap_ok (rc_propagation_from_name ("rslave", &flags) == 0 && flags == (MS_SLAVE | MS_REC),
          "rslave -> MS_SLAVE|MS_REC");
  tap_ok (rc_propagation_from_name ("private", &flags) == 0 && flags == MS_PRIVATE, "private -> MS_PRIVATE");
  tap_ok (rc_propagation_from_name ("bogus", &flags) == -1, "unknown propagation");
  tap_ok (rc_seccomp_action_valid ("SCMP_ACT_KILL_PROCESS") && !rc_seccomp_action_valid ("SCMP_ACT_FOO"),
          "seccomp actions");
  tap_ok (rc_seccomp_op_valid ("SCMP_CMP_MASKED_EQ") && !rc_seccomp_op_valid ("SCMP_CMP_XX"), "seccomp ops");
  tap_ok (rc_seccomp_arch_valid ("SCMP_ARCH_AARCH64") && !rc_seccomp_arch_valid ("amd64"), "seccomp arches");
  tap_ok (rc_seccomp_flag_valid ("SECCOMP_FILTER_FLAG_SPEC_ALLOW") && !rc_seccomp_flag_valid ("LOG"), "seccomp flags");
}

/* ---------------------------------------------------------------------- */

static void check_full_process (const struct rc_process *p)
{
  static const char *const args[] = { "/bin/sh", "-c", "echo hi", NULL };
  uint64_t bounding = (UINT64_C (1) << 5) | (UINT64_C (1) << 21) | (UINT64_C (1) << 40);

  tap_ok (p->terminal && p->has_console_size && p->console_size.height == 25 && p->console_size.width == 80,
          "process.terminal, consoleSize");
  tap_ok (p->user.uid == 1000 && p->user.gid == 1001 && p->user.has_umask && p->user.umask == 18,
          "process.user uid, gid, umask");
  tap_ok (p->user.additional_gids_len == 2 && p->user.additional_gids[0] == 5
              && p->user.additional_gids[1] == 4294967295u,
          "process.user.additionalGids");
  tap_ok (strv_eq (p->args, args) && p->args_len == 3, "process.args");
  tap_ok (p->env != NULL && strcmp (p->env[1], "TERM=xterm") == 0 && p->env[2] == NULL, "process.env");
  tap_is (p->cwd, "/home/user", "process.cwd");
  tap_ok (p->capabilities != NULL && p->capabilities->bounding.mask == bounding
              && strcmp (p->capabilities->bounding.names[2], "CAP_CHECKPOINT_RESTORE") == 0,
          "capabilities.bounding names and mask");
  tap_ok (p->capabilities->inheritable.present && p->capabilities->inheritable.names[0] == NULL
              && p->capabilities->inheritable.mask == 0,
          "capabilities.inheritable present but empty");
  tap_ok (p->capabilities->permitted.mask == ((UINT64_C (1) << 5) | 1) && p->capabilities->effective.mask == (1 << 5)
              && p->capabilities->ambient.mask == (1 << 10),
          "capabilities.permitted, effective, ambient");
  tap_ok (p->rlimits_len == 2 && p->rlimits[0].resource == RLIMIT_NOFILE && p->rlimits[0].hard == 4096
              && p->rlimits[0].soft == 1024 && strcmp (p->rlimits[1].type, "RLIMIT_CORE") == 0
              && p->rlimits[1].hard == UINT64_MAX,
          "process.rlimits (incl. a hard limit of 2^64-1)");
  tap_ok (p->no_new_privileges, "process.noNewPrivileges");
  tap_is (p->apparmor_profile, "acme_secure_profile", "process.apparmorProfile");
  tap_ok (p->has_oom_score_adj && p->oom_score_adj == -500, "process.oomScoreAdj");
  tap_like (p->selinux_label, "svirt_lxc_net_t", "process.selinuxLabel");
  tap_ok (p->io_priority != NULL && p->io_priority->class_value == 2 && p->io_priority->priority == 4,
          "process.ioPriority");
  tap_ok (p->scheduler != NULL && p->scheduler->policy_value == 6 && p->scheduler->has_nice && p->scheduler->nice == -5
              && p->scheduler->has_priority && p->scheduler->priority == 0 && p->scheduler->flags_mask == 0x3
              && p->scheduler->runtime == 10000000 && p->scheduler->deadline == 20000000
              && p->scheduler->period == 30000000,
          "process.scheduler");
  tap_ok (p->exec_cpu_affinity != NULL && strcmp (p->exec_cpu_affinity->initial, "0") == 0
              && strcmp (p->exec_cpu_affinity->final, "0-3,7") == 0,
          "process.execCPUAffinity");
}

static void check_full_top (const struct runtime_config *c)
{
  tap_is (c->oci_version, "1.2.0", "ociVersion");
  tap_ok (c->root != NULL && strcmp (c->root->path, "/var/lib/bundle/rootfs") == 0 && !c->root->readonly, "root");
  tap_ok (c->mounts_len == 3 && strcmp (c->mounts[0].destination, "/proc") == 0 && c->mounts[0].options == NULL,
          "mounts[0]");
  tap_ok (strcmp (c->mounts[1].destination, "data") == 0 && strcmp (c->mounts[1].options[2], "idmap") == 0
              && c->mounts[1].uid_mappings_len == 1 && c->mounts[1].uid_mappings[0].host_id == 100000
              && c->mounts[1].gid_mappings[0].host_id == 200000 && c->mounts[1].gid_mappings[0].size == 65536,
          "mounts[1]: relative destination accepted, options, id mappings");
  tap_ok (c->mounts[2].type == NULL && strcmp (c->mounts[2].source, "tmpfs") == 0, "mounts[2]: null type is absent");
  tap_is (c->hostname, "box", "hostname");
  tap_is (c->domainname, "example.org", "domainname");
  tap_ok (c->has_hooks && c->hooks[RC_HOOK_PRESTART].len == 1
              && strcmp (c->hooks[RC_HOOK_PRESTART].hooks[0].args[1], "arg1") == 0
              && strcmp (c->hooks[RC_HOOK_PRESTART].hooks[0].env[0], "key1=value1") == 0
              && !c->hooks[RC_HOOK_PRESTART].hooks[0].has_timeout,
          "hooks.prestart");
  tap_ok (c->hooks[RC_HOOK_CREATE_RUNTIME].hooks[0].has_timeout
              && c->hooks[RC_HOOK_CREATE_RUNTIME].hooks[0].timeout == 5 && c->hooks[RC_HOOK_CREATE_CONTAINER].len == 1
              && c->hooks[RC_HOOK_START_CONTAINER].len == 2 && c->hooks[RC_HOOK_POSTSTART].hooks[0].timeout == 1
              && strcmp (c->hooks[RC_HOOK_POSTSTOP].hooks[0].path, "/usr/sbin/cleanup.sh") == 0,
          "hooks: the other five kinds");
  tap_ok (strcmp (map_get (c->annotations, "com.example.key1"), "value1") == 0
              && strcmp (map_get (c->annotations, "com.example.empty"), "") == 0,
          "annotations");
}

static void check_full_resources (const struct rc_resources *r)
{
  tap_ok (r->devices_len == 3 && !r->devices[0].allow && r->devices[0].type == NULL && !r->devices[0].has_major
              && strcmp (r->devices[0].access, "rwm") == 0 && r->devices[1].major == 10 && r->devices[1].minor == 229
              && r->devices[2].has_major && !r->devices[2].has_minor && r->devices[2].access == NULL,
          "resources.devices (absent major/minor/access stay absent)");
  tap_ok (r->memory != NULL && r->memory->limit == 536870912 && r->memory->has_reservation
              && r->memory->reservation == 0 && r->memory->swap == -1 && r->memory->kernel_tcp == 1024
              && r->memory->swappiness == 60 && r->memory->has_disable_oom_killer && !r->memory->disable_oom_killer
              && r->memory->use_hierarchy && r->memory->check_before_update,
          "resources.memory (reservation 0 is present)");
  tap_ok (r->cpu != NULL && r->cpu->shares == 1024 && r->cpu->quota == -1 && r->cpu->burst == 1000
              && r->cpu->period == 100000 && r->cpu->realtime_runtime == 950000 && r->cpu->realtime_period == 1000000
              && strcmp (r->cpu->cpus, "2-3") == 0 && strcmp (r->cpu->mems, "0-7") == 0 && r->cpu->has_idle
              && r->cpu->idle == 1,
          "resources.cpu");
  tap_ok (r->block_io != NULL && r->block_io->weight == 10 && r->block_io->leaf_weight == 20
              && r->block_io->weight_device_len == 2 && r->block_io->weight_device[0].leaf_weight == 300
              && !r->block_io->weight_device[1].has_leaf_weight && r->block_io->throttle_read_bps_device[0].rate == 600
              && r->block_io->throttle_write_bps_device[0].minor == 16
              && r->block_io->throttle_read_iops_device[0].rate == 60
              && r->block_io->throttle_write_iops_device[0].rate == 30,
          "resources.blockIO");
  tap_ok (r->hugepage_limits_len == 2 && strcmp (r->hugepage_limits[1].page_size, "64KB") == 0
              && r->hugepage_limits[0].limit == 209715200,
          "resources.hugepageLimits");
  tap_ok (r->network != NULL && r->network->has_class_id && r->network->class_id == 1048577
              && r->network->priorities_len == 2 && r->network->priorities[1].priority == 1000,
          "resources.network");
  tap_ok (r->pids != NULL && r->pids->limit == 32771, "resources.pids");
  tap_ok (r->rdma_len == 2 && strcmp (r->rdma[0].device, "mlx5_1") == 0 && r->rdma[0].hca_handles == 3
              && !r->rdma[1].has_hca_handles && r->rdma[1].hca_objects == 1000,
          "resources.rdma");
  tap_is (map_get (r->unified, "memory.high"), "1073741824", "resources.unified");
}

static void check_full_seccomp (const struct rc_seccomp *s)
{
  tap_ok (s != NULL && strcmp (s->default_action, "SCMP_ACT_ERRNO") == 0 && s->has_default_errno_ret
              && s->default_errno_ret == 1 && strcmp (s->architectures[2], "SCMP_ARCH_X32") == 0
              && strcmp (s->flags[0], "SECCOMP_FILTER_FLAG_LOG") == 0
              && strcmp (s->listener_path, "/run/seccomp-agent.socket") == 0
              && strcmp (s->listener_metadata, "metadata") == 0,
          "seccomp top level");
  tap_ok (s->syscalls_len == 3 && strcmp (s->syscalls[0].names[1], "chmod") == 0 && !s->syscalls[0].has_errno_ret
              && s->syscalls[1].errno_ret == 38 && s->syscalls[1].args_len == 2 && s->syscalls[1].args[0].value == 8
              && !s->syscalls[1].args[0].has_value_two && s->syscalls[1].args[1].value_two == 4
              && strcmp (s->syscalls[1].args[1].op, "SCMP_CMP_MASKED_EQ") == 0
              && strcmp (s->syscalls[2].action, "SCMP_ACT_NOTIFY") == 0,
          "seccomp.syscalls with args");
}

static void check_full_linux (const struct rc_linux *l)
{
  const struct rc_time_offsets *t = l->time_offsets;

  tap_ok (l->namespaces_len == 8 && l->namespaces[1].type == RC_NS_NETWORK
              && strcmp (l->namespaces[1].path, "/var/run/netns/neta") == 0 && l->namespaces[7].type == RC_NS_TIME
              && l->namespaces[0].path == NULL,
          "linux.namespaces");
  tap_ok (l->uid_mappings_len == 1 && l->uid_mappings[0].size == 32000 && l->gid_mappings_len == 2
              && l->gid_mappings[1].container_id == 40000,
          "linux.uidMappings, gidMappings");
  tap_ok (t != NULL && t->monotonic.present && t->monotonic.secs == -86400 && t->monotonic.nanosecs == 500
              && t->boottime.present && t->boottime.secs == 172800 && t->boottime.nanosecs == 0,
          "linux.timeOffsets");
  tap_ok (l->devices_len == 3 && l->devices[0].major == 10 && l->devices[0].has_file_mode
              && l->devices[0].file_mode == 438 && l->devices[0].has_uid && !l->devices[1].has_file_mode
              && strcmp (l->devices[2].type, "p") == 0 && !l->devices[2].has_major,
          "linux.devices");
  tap_is (l->cgroups_path, "/myRuntime/myContainer", "linux.cgroupsPath");
  check_full_resources (l->resources);
  tap_ok (l->intel_rdt != NULL && strcmp (l->intel_rdt->clos_id, "guaranteed_group") == 0
              && strcmp (l->intel_rdt->mem_bw_schema, "MB:0=20;1=70") == 0 && l->intel_rdt->enable_cmt
              && l->intel_rdt->enable_mbm && strcmp (l->intel_rdt->schemata[0], "L2:0=ff") == 0
              && strcmp (l->intel_rdt->l3_cache_schema, "L3:0=7f0;1=1f") == 0,
          "linux.intelRdt");
  tap_is (map_get (l->sysctl, "net.core.somaxconn"), "256", "linux.sysctl");
  check_full_seccomp (l->seccomp);
  tap_is (l->rootfs_propagation, "rslave", "linux.rootfsPropagation");
  tap_ok (strcmp (l->masked_paths[0], "/proc/kcore") == 0 && strcmp (l->readonly_paths[0], "/proc/sys") == 0,
          "linux.maskedPaths, readonlyPaths");
  tap_like (l->mount_label, "svirt_sandbox_file_t", "linux.mountLabel");
  tap_ok (l->personality != NULL && strcmp (l->personality->domain, "LINUX32") == 0 && l->personality->flags != NULL
              && l->personality->flags[0] == NULL,
          "linux.personality");
  tap_ok (l->net_devices_len == 2 && strcmp (l->net_devices[0].host_name, "eth1") == 0
              && strcmp (l->net_devices[0].name, "ceth1") == 0 && strcmp (l->net_devices[1].host_name, "ens4") == 0
              && l->net_devices[1].name == NULL,
          "linux.netDevices");
  tap_ok (rc_config_find_namespace (NULL, RC_NS_PID) == NULL, "find_namespace on NULL");
}

static void check_full (const struct runtime_config *c, const char *what)
{
  printf ("# full.json (%s)\n", what);
  check_full_top (c);
  check_full_process (c->process);
  check_full_linux (c->linux_);
}

static void test_full_and_round_trip (void)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_runtime_config_ struct runtime_config *c = NULL;
  _cleanup_runtime_config_ struct runtime_config *c2 = NULL;
  _cleanup_free_ char *text1 = NULL, *text2 = NULL, *compact = NULL;

  if (!tap_ok (runtime_config_load (DATADIR "/valid/full.json", &c, &err) == 0, "load full.json"))
    {
      printf ("# %s\n", err->msg);
      return;
    }
  check_full (c, "parsed");
  tap_ok (rc_config_find_namespace (c, RC_NS_USER) == &c->linux_->namespaces[5], "find_namespace(user)");
  text1 = emit (c, true);
  c2 = text1 != NULL ? parse_text (text1) : NULL;
  if (!tap_ok (c2 != NULL, "emitted full.json parses again"))
    return;
  check_full (c2, "after emit + parse");
  text2 = emit (c2, true);
  tap_is (text2, text1, "emit(parse(emit(x))) == emit(x)");
  compact = emit (c, false);
  tap_ok (compact != NULL && strchr (compact, '\n') == NULL && strlen (compact) < strlen (text1), "compact emit");
}

/* ---------------------------------------------------------------------- */

/* Absent optional numbers stay absent through emit: nothing invented. */
static void test_minimal (void)
{
  const char *doc = "{\"ociVersion\": \"1.0.2-dev+build.5\", \"root\": {\"path\": \"rootfs\"},"
                    " \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"true\"], \"cwd\": \"/\","
                    " \"oomScoreAdj\": null, \"newInV9\": true},"
                    " \"linux\": {\"resources\": {\"memory\": {}}, \"futureThing\": {\"x\": 1}}}";
  _cleanup_runtime_config_ struct runtime_config *c = parse_text (doc);
  _cleanup_free_ char *out = NULL;

  if (!tap_ok (c != NULL, "minimal document with unknown properties parses"))
    return;
  tap_ok (!c->process->has_oom_score_adj && !c->process->user.has_umask && !c->process->has_console_size
              && c->process->capabilities == NULL && c->process->rlimits == NULL && c->process->env == NULL,
          "absent optionals are absent (null counts as absent)");
  tap_ok (c->linux_->resources->memory != NULL && !c->linux_->resources->memory->has_limit
              && !c->linux_->resources->memory->has_swappiness && c->linux_->resources->cpu == NULL,
          "empty memory object: present, with no limits set");
  tap_ok (!c->has_hooks && c->mounts == NULL && c->annotations == NULL && c->linux_->namespaces == NULL,
          "no hooks, mounts, annotations, namespaces");
  out = emit (c, false);
  tap_is (
      out,
      "{\"ociVersion\":\"1.0.2-dev+build.5\",\"process\":{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},"
      "\"args\":[\"true\"],\"cwd\":\"/\",\"noNewPrivileges\":false},\"root\":{\"path\":\"rootfs\",\"readonly\":false},"
      "\"linux\":{\"resources\":{\"memory\":{}}}}",
      "minimal emit: unknown properties dropped, absent values not invented");
}

/* What cannot be written as JSON is an error, not a broken document. */
static void test_emit_invalid_utf8 (void)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_runtime_config_ struct runtime_config *c = NULL;
  char *out = NULL;

  if (runtime_config_default (false, &c, &err) < 0)
    return;
  free (c->hostname);
  c->hostname = strdup ("bad\xff\xfe");
  tap_ok (runtime_config_emit (c, false, &out, NULL, &err) < 0 && out == NULL, "emit refuses a non-UTF-8 string");
  tap_like (err != NULL ? err->msg : NULL, "not valid UTF-8", "and says why");
  free (out);
}

/* Forms the spec or its peers allow that are easy to reject by mistake. */
static void test_lenient_forms (void)
{
  const char *doc = "{\"ociVersion\": \"1.1.0-rc.1\", \"root\": {\"path\": \"rootfs\"},"
                    " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"execCPUAffinity\": {\"final\": \"\"}},"
                    " \"linux\": {\"intelRdt\": {\"schemata\": \"L3:0=7f0\\nMB:0=20\"},"
                    " \"seccomp\": {\"defaultAction\": \"SCMP_ACT_TRACE\", \"defaultErrnoRet\": 5}}}";
  _cleanup_runtime_config_ struct runtime_config *c = parse_text (doc);

  if (!tap_ok (c != NULL, "lenient forms parse"))
    return;
  tap_ok (c->process->user.uid == 0 && c->process->user.gid == 0, "absent process.user means 0:0 (as runc)");
  tap_ok (c->process->exec_cpu_affinity->final[0] == '\0', "empty execCPUAffinity.final is allowed");
  tap_ok (c->linux_->intel_rdt->schemata != NULL && strcmp (c->linux_->intel_rdt->schemata[0], "L3:0=7f0\nMB:0=20") == 0
              && c->linux_->intel_rdt->schemata[1] == NULL,
          "intelRdt.schemata as one string");
  tap_ok (c->linux_->seccomp->default_errno_ret == 5, "defaultErrnoRet with SCMP_ACT_TRACE");
}

/* exec --process: a process object alone, errors pathed from its own root. */
static void test_process_only (void)
{
  const char *ok = "{\"terminal\": false, \"args\": [\"/bin/true\"], \"cwd\": \"/tmp\", \"env\": [\"A=1\"],"
                   " \"capabilities\": {\"bounding\": [\"CAP_KILL\"]}}";
  const char *bad = "{\"args\": [\"/bin/true\"], \"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_X\"}]}";
  _cleanup_error_ keel_error *err = NULL;
  struct rc_process *p = NULL;

  if (tap_ok (runtime_config_parse_process ("process.json", ok, strlen (ok), &p, &err) == 0, "process.json parses"))
    {
      tap_ok (strcmp (p->cwd, "/tmp") == 0 && p->args_len == 1 && p->capabilities->bounding.mask == (1 << 5),
              "process.json fields");
      rc_process_free (p);
      p = NULL;
    }
  tap_ok (runtime_config_parse_process ("process.json", bad, strlen (bad), &p, &err) < 0 && p == NULL,
          "bad process.json is rejected");
  tap_is (err != NULL ? err->msg : NULL, "process.json: .rlimits[0].type: unknown rlimit \"RLIMIT_X\"",
          "process.json errors are pathed from the process object");
  keel_error_freep (&err);
  tap_ok (runtime_config_parse_process ("process.json", "[]", 2, &p, &err) < 0, "process.json must be an object");
  tap_is (err != NULL ? err->msg : NULL, "process.json: .: expected an object, got an array",
          "process.json: not an object");
}

static void test_load_names_file (void)
{
  _cleanup_error_ keel_error *err = NULL;
  struct runtime_config *c = NULL;

  tap_ok (runtime_config_load (DATADIR "/invalid/rlimit-unknown.json", &c, &err) < 0 && c == NULL, "load fails");
  tap_like (err != NULL ? err->msg : NULL, "rlimit-unknown.json: .process.rlimits[1].type: unknown rlimit",
            "load names the file by its basename");
  keel_error_freep (&err);
  tap_ok (runtime_config_load ("/nonexistent/config.json", &c, &err) < 0 && err != NULL && err->errnum == ENOENT,
          "load of a missing file fails with ENOENT");
  if (err != NULL)
    printf ("# %s\n", err->msg);
}

/* ---------------------------------------------------------------------- */

static bool find_in_path (const char *prog)
{
  const char *path = getenv ("PATH");
  _cleanup_free_ char *copy = strdup (path != NULL ? path : "/usr/bin:/bin");
  for (char *save = NULL, *dir = strtok_r (copy, ":", &save); dir != NULL; dir = strtok_r (NULL, ":", &save))
    {
      _cleanup_free_ char *p = NULL;
      if (asprintf (&p, "%s/%s", dir, prog) >= 0 && access (p, X_OK) == 0)
        return true;
    }
  return false;
}

/* Run "PROG spec [--rootless]" in a temp dir and return its config.json text. */
static char *peer_spec (const char *prog, bool rootless)
{
  char dir[] = "/tmp/keel-test-spec-XXXXXX";
  _cleanup_free_ char *cfg = NULL;
  char *text = NULL;
  pid_t pid;
  int status = 0;

  if (mkdtemp (dir) == NULL)
    return NULL;
  pid = fork ();
  if (pid == 0)
    {
      int null = open ("/dev/null", O_WRONLY);
      if (chdir (dir) < 0)
        _exit (127);
      dup2 (null, 1);
      dup2 (null, 2);
      execlp (prog, prog, "spec", rootless ? "--rootless" : NULL, (char *)NULL);
      _exit (127);
    }
  if (pid > 0 && waitpid (pid, &status, 0) == pid && WIFEXITED (status) && WEXITSTATUS (status) == 0
      && asprintf (&cfg, "%s/config.json", dir) >= 0)
    {
      text = slurp (cfg);
      unlink (cfg);
    }
  rmdir (dir);
  return text;
}

static bool mounts_match (const struct runtime_config *a, const struct runtime_config *b)
{
  if (a->mounts_len != b->mounts_len)
    return false;
  for (size_t i = 0; i < a->mounts_len; i++)
    {
      const struct rc_mount *x = &a->mounts[i], *y = &b->mounts[i];
      if (strcmp (x->destination, y->destination) != 0 || strcmp (x->type, y->type) != 0
          || strcmp (x->source, y->source) != 0 || !strv_eq (x->options, (const char *const *)y->options))
        {
          printf ("#   mount %zu differs: %s\n", i, x->destination);
          return false;
        }
    }
  return true;
}

static bool namespaces_match (const struct runtime_config *a, const struct runtime_config *b)
{
  if (a->linux_->namespaces_len != b->linux_->namespaces_len)
    return false;
  for (size_t i = 0; i < a->linux_->namespaces_len; i++)
    if (rc_config_find_namespace (b, a->linux_->namespaces[i].type) == NULL)
      return false;
  return true;
}

static bool mappings_match (const struct rc_id_mapping *a, size_t na, const struct rc_id_mapping *b, size_t nb)
{
  if (na != nb)
    return false;
  for (size_t i = 0; i < na; i++)
    if (a[i].container_id != b[i].container_id || a[i].host_id != b[i].host_id || a[i].size != b[i].size)
      return false;
  return true;
}

/* Compare our default with a peer's on what a container would see. */
static void compare_defaults (const struct runtime_config *ours, const struct runtime_config *peer, const char *what)
{
  const struct rc_process *p = ours->process, *q = peer->process;

  tap_ok (strv_eq (p->args, (const char *const *)q->args) && strv_eq (p->env, (const char *const *)q->env)
              && strcmp (p->cwd, q->cwd) == 0 && p->terminal == q->terminal
              && p->no_new_privileges == q->no_new_privileges && p->user.uid == q->user.uid,
          "default matches %s: process args, env, cwd, terminal, noNewPrivileges, user", what);
  tap_ok (p->capabilities->bounding.mask == q->capabilities->bounding.mask
              && p->capabilities->effective.mask == q->capabilities->effective.mask
              && p->capabilities->permitted.mask == q->capabilities->permitted.mask
              && p->capabilities->ambient.mask == q->capabilities->ambient.mask
              && p->capabilities->inheritable.mask == q->capabilities->inheritable.mask,
          "default matches %s: capabilities", what);
  tap_ok (p->rlimits_len == q->rlimits_len && p->rlimits[0].resource == q->rlimits[0].resource
              && p->rlimits[0].hard == q->rlimits[0].hard && p->rlimits[0].soft == q->rlimits[0].soft,
          "default matches %s: rlimits", what);
  tap_ok (strcmp (ours->root->path, peer->root->path) == 0 && ours->root->readonly == peer->root->readonly,
          "default matches %s: root", what);
  tap_ok (mounts_match (ours, peer), "default matches %s: mounts", what);
  tap_ok (namespaces_match (ours, peer), "default matches %s: namespaces", what);
  tap_ok (mappings_match (ours->linux_->uid_mappings, ours->linux_->uid_mappings_len, peer->linux_->uid_mappings,
                          peer->linux_->uid_mappings_len)
              && mappings_match (ours->linux_->gid_mappings, ours->linux_->gid_mappings_len, peer->linux_->gid_mappings,
                                 peer->linux_->gid_mappings_len),
          "default matches %s: uid/gid mappings", what);
  tap_ok (strv_eq (ours->linux_->masked_paths, (const char *const *)peer->linux_->masked_paths)
              && strv_eq (ours->linux_->readonly_paths, (const char *const *)peer->linux_->readonly_paths),
          "default matches %s: maskedPaths, readonlyPaths", what);
  tap_ok ((ours->linux_->resources == NULL) == (peer->linux_->resources == NULL)
              && (ours->linux_->resources == NULL
                  || (ours->linux_->resources->devices_len == peer->linux_->resources->devices_len
                      && ours->linux_->resources->devices[0].allow == peer->linux_->resources->devices[0].allow)),
          "default matches %s: device cgroup rules", what);
}

static void test_peer (const char *prog, bool rootless, const struct runtime_config *ours)
{
  _cleanup_free_ char *text = NULL, *out = NULL;
  _cleanup_runtime_config_ struct runtime_config *c = NULL;
  _cleanup_runtime_config_ struct runtime_config *c2 = NULL;
  char what[64];

  snprintf (what, sizeof (what), "`%s spec%s`", prog, rootless ? " --rootless" : "");
  if (!find_in_path (prog))
    {
      char why[128];
      snprintf (why, sizeof (why), "%s is not installed", prog);
      tap_skip (why);
      return;
    }
  text = peer_spec (prog, rootless);
  if (!tap_ok (text != NULL, "%s ran and wrote config.json", what))
    return;
  c = parse_text (text);
  if (!tap_ok (c != NULL, "%s output parses", what))
    return;
  out = emit (c, true);
  c2 = out != NULL ? parse_text (out) : NULL;
  tap_ok (c2 != NULL && mounts_match (c, c2) && namespaces_match (c, c2)
              && c2->process->capabilities->bounding.mask == c->process->capabilities->bounding.mask,
          "%s output round-trips through emit", what);
  /* crun's rootless default keeps the network namespace and adds no mappings:
   * it only has to parse and round-trip. */
  if (ours != NULL)
    compare_defaults (ours, c, what);
}

static void test_defaults (void)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_runtime_config_ struct runtime_config *def = NULL;
  _cleanup_runtime_config_ struct runtime_config *rl = NULL;
  _cleanup_runtime_config_ struct runtime_config *again = NULL;
  _cleanup_free_ char *text = NULL;

  if (!tap_ok (runtime_config_default (false, &def, &err) == 0, "runtime_config_default(false)")
      || !tap_ok (runtime_config_default (true, &rl, &err) == 0, "runtime_config_default(true)"))
    {
      printf ("# %s\n", err->msg);
      return;
    }
  tap_is (def->oci_version, RUNTIME_CONFIG_OCI_VERSION, "default ociVersion");
  tap_ok (rc_config_find_namespace (def, RC_NS_NETWORK) != NULL && rc_config_find_namespace (def, RC_NS_USER) == NULL
              && def->linux_->uid_mappings == NULL,
          "default: network namespace, no user namespace");
  tap_ok (rc_config_find_namespace (rl, RC_NS_NETWORK) == NULL && rc_config_find_namespace (rl, RC_NS_USER) != NULL
              && rl->linux_->uid_mappings_len == 1 && rl->linux_->uid_mappings[0].host_id == getuid ()
              && rl->linux_->gid_mappings[0].host_id == getgid () && rl->linux_->resources == NULL,
          "rootless default: user namespace mapping the caller, no network namespace, no resources");
  text = emit (def, true);
  again = text != NULL ? parse_text (text) : NULL;
  tap_ok (again != NULL && mounts_match (def, again), "default config emits and parses back");
  test_peer ("runc", false, def);
  test_peer ("runc", true, rl);
  test_peer ("crun", false, def);
  test_peer ("crun", true, NULL);
}

/* ---------------------------------------------------------------------- */

static int cmp_names (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static void test_invalid_case (const char *dir, const char *name)
{
  _cleanup_free_ char *json_path = NULL, *err_path = NULL, *doc = NULL, *want = NULL, *got = NULL;
  size_t l;

  if (asprintf (&json_path, "%s/%s", dir, name) < 0
      || asprintf (&err_path, "%s/%.*s.err", dir, (int)(strlen (name) - 5), name) < 0)
    return;
  doc = slurp (json_path);
  want = slurp (err_path);
  if (!tap_ok (doc != NULL && want != NULL, "invalid/%s and its .err are readable", name))
    return;
  l = strlen (want);
  while (l > 0 && want[l - 1] == '\n')
    want[--l] = '\0';
  got = parse_error (doc);
  tap_is (got, want, "invalid/%s is rejected with the expected error", name);
}

static void test_invalid_corpus (void)
{
  const char *dir = DATADIR "/invalid";
  _cleanup_closedir_ DIR *d = opendir (dir);
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;

  if (!tap_ok (d != NULL, "open %s", dir))
    return;
  while ((e = readdir (d)) != NULL)
    {
      size_t l = strlen (e->d_name);
      if (l > 5 && strcmp (e->d_name + l - 5, ".json") == 0)
        {
          char **nn = realloc (names, (n + 1) * sizeof (char *));
          if (nn == NULL)
            break;
          names = nn;
          names[n++] = strdup (e->d_name);
        }
    }
  qsort (names, n, sizeof (char *), cmp_names);
  tap_ok (n >= 30, "invalid corpus has %zu cases (at least 30)", n);
  for (size_t i = 0; i < n; i++)
    {
      test_invalid_case (dir, names[i]);
      free (names[i]);
    }
  free (names);
}

int main (void)
{
  test_lookups ();
  test_full_and_round_trip ();
  test_minimal ();
  test_lenient_forms ();
  test_emit_invalid_utf8 ();
  test_process_only ();
  test_load_names_file ();
  test_defaults ();
  test_invalid_corpus ();
  return tap_done ();
}
