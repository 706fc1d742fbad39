/* runtime-spec v1.2 config.json (Linux surface): C structs, parse with validation, emit, defaults, name lookups. */
#ifndef KEEL_RUNTIME_CONFIG_H
#define KEEL_RUNTIME_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Conventions for everything below:
 * - strings are malloc'd char *, NULL when the property is absent;
 * - string arrays are NULL-terminated char ** (NULL when absent, a vector
 *   holding only NULL when present but empty);
 * - string maps (annotations, sysctl, unified, ...) are NULL-terminated
 *   char ** of alternating key, value;
 * - arrays of objects are a pointer plus a FIELD_len count;
 * - optional sub-objects are pointers, NULL when absent;
 * - optional numbers/booleans carry a has_FIELD flag, because absent is not 0.
 * Enumerated strings (rlimit, capability, namespace, seccomp names...) are kept
 * as written in the document and validated at parse time; where the runtime
 * needs a number it is stored next to the name. */

/* Version written by runtime_config_default and accepted major version. */
#define RUNTIME_CONFIG_OCI_VERSION "1.2.0"

/* ---- shared ---- */

/* linux.uidMappings, linux.gidMappings, mounts[].uidMappings ... */
struct rc_id_mapping
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

/* ---- root, mounts ---- */

struct rc_root
{
  char *path;
  bool readonly;
};

struct rc_mount
{
  char *destination;
  char *type;
  char *source;
  char **options;
  struct rc_id_mapping *uid_mappings;
  size_t uid_mappings_len;
  struct rc_id_mapping *gid_mappings;
  size_t gid_mappings_len;
};

/* ---- process ---- */

struct rc_console_size
{
  uint32_t height;
  uint32_t width;
};

struct rc_user
{
  uint32_t uid;
  uint32_t gid;
  bool has_umask;
  uint32_t umask;
  uint32_t *additional_gids;
  size_t additional_gids_len;
};

/* One capability set: the names as written ("CAP_KILL") and the same set as a
 * bitmask, bit N = capability number N (CAP_KILL = 5). */
struct rc_cap_set
{
  bool present;
  char **names;
  uint64_t mask;
};

struct rc_capabilities
{
  struct rc_cap_set bounding;
  struct rc_cap_set effective;
  struct rc_cap_set inheritable;
  struct rc_cap_set permitted;
  struct rc_cap_set ambient;
};

struct rc_rlimit
{
  char *type;   /* "RLIMIT_NOFILE" */
  int resource; /* RLIMIT_NOFILE */
  uint64_t hard;
  uint64_t soft;
};

/* process.ioPriority: class "IOPRIO_CLASS_RT|BE|IDLE", priority 0..7. */
struct rc_io_priority
{
  char *class_name;
  int class_value; /* IOPRIO_CLASS_RT = 1, BE = 2, IDLE = 3 (linux/ioprio.h) */
  int32_t priority;
};

/* process.scheduler (sched_setattr(2)). */
struct rc_scheduler
{
  char *policy;     /* "SCHED_OTHER", "SCHED_FIFO", ... */
  int policy_value; /* SCHED_OTHER ... SCHED_DEADLINE (6) */
  bool has_nice;
  int32_t nice;
  bool has_priority;
  int32_t priority;
  char **flags;        /* "SCHED_FLAG_RESET_ON_FORK", ... */
  uint64_t flags_mask; /* the same as SCHED_FLAG_* bits */
  bool has_runtime;
  uint64_t runtime;
  bool has_deadline;
  uint64_t deadline;
  bool has_period;
  uint64_t period;
};

struct rc_exec_cpu_affinity
{
  char *initial; /* cpu list, e.g. "0-3,7" */
  char *final;
};

struct rc_process
{
  bool terminal;
  bool has_console_size;
  struct rc_console_size console_size;
  struct rc_user user;
  char **args;
  size_t args_len;
  char **env;
  char *cwd;
  struct rc_capabilities *capabilities;
  struct rc_rlimit *rlimits;
  size_t rlimits_len;
  bool no_new_privileges;
  char *apparmor_profile;
  bool has_oom_score_adj;
  int32_t oom_score_adj;
  char *selinux_label;
  struct rc_io_priority *io_priority;
  struct rc_scheduler *scheduler;
  struct rc_exec_cpu_affinity *exec_cpu_affinity;
};

/* ---- hooks ---- */

struct rc_hook
{
  char *path;
  char **args;
  char **env;
  bool has_timeout;
  int32_t timeout; /* seconds, > 0 */
};

struct rc_hook_list
{
  struct rc_hook *hooks;
  size_t len;
};

/* Index into runtime_config.hooks[]; rc_hook_kind_name gives the JSON name. */
enum rc_hook_kind
{
  RC_HOOK_PRESTART,
  RC_HOOK_CREATE_RUNTIME,
  RC_HOOK_CREATE_CONTAINER,
  RC_HOOK_START_CONTAINER,
  RC_HOOK_POSTSTART,
  RC_HOOK_POSTSTOP,
  RC_HOOK_KIND_COUNT
};

/* ---- linux ---- */

enum rc_namespace_type
{
  RC_NS_PID,
  RC_NS_NETWORK,
  RC_NS_MOUNT,
  RC_NS_IPC,
  RC_NS_UTS,
  RC_NS_USER,
  RC_NS_CGROUP,
  RC_NS_TIME,
  RC_NS_COUNT
};

struct rc_namespace
{
  enum rc_namespace_type type;
  char *path; /* NULL: create a new namespace */
};

struct rc_time_offset
{
  bool present;
  int64_t secs;
  uint32_t nanosecs;
};

struct rc_time_offsets
{
  struct rc_time_offset monotonic;
  struct rc_time_offset boottime;
};

/* linux.devices[]: type is "c", "b", "u" or "p". */
struct rc_device
{
  char *type;
  char *path;
  bool has_major;
  int64_t major;
  bool has_minor;
  int64_t minor;
  bool has_file_mode;
  uint32_t file_mode;
  bool has_uid;
  uint32_t uid;
  bool has_gid;
  uint32_t gid;
};

/* linux.resources.devices[]: type "a", "c" or "b" (NULL = all), access subset of "rwm". */
struct rc_device_cgroup
{
  bool allow;
  char *type;
  bool has_major;
  int64_t major; /* absent = all (-1 in cgroup terms) */
  bool has_minor;
  int64_t minor;
  char *access;
};

struct rc_memory
{
  bool has_limit;
  int64_t limit;
  bool has_reservation;
  int64_t reservation;
  bool has_swap;
  int64_t swap;
  bool has_kernel;
  int64_t kernel;
  bool has_kernel_tcp;
  int64_t kernel_tcp;
  bool has_swappiness;
  uint64_t swappiness;
  bool has_disable_oom_killer;
  bool disable_oom_killer;
  bool has_use_hierarchy;
  bool use_hierarchy;
  bool has_check_before_update;
  bool check_before_update;
};

struct rc_cpu
{
  bool has_shares;
  uint64_t shares;
  bool has_quota;
  int64_t quota;
  bool has_burst;
  uint64_t burst;
  bool has_period;
  uint64_t period;
  bool has_realtime_runtime;
  int64_t realtime_runtime;
  bool has_realtime_period;
  uint64_t realtime_period;
  char *cpus;
  char *mems;
  bool has_idle;
  int64_t idle;
};

struct rc_weight_device
{
  int64_t major;
  int64_t minor;
  bool has_weight;
  uint16_t weight;
  bool has_leaf_weight;
  uint16_t leaf_weight;
};

struct rc_throttle_device
{
  int64_t major;
  int64_t minor;
  uint64_t rate;
};

struct rc_block_io
{
  bool has_weight;
  uint16_t weight;
  bool has_leaf_weight;
  uint16_t leaf_weight;
  struct rc_weight_device *weight_device;
  size_t weight_device_len;
  struct rc_throttle_device *throttle_read_bps_device;
  size_t throttle_read_bps_device_len;
  struct rc_throttle_device *throttle_write_bps_device;
  size_t throttle_write_bps_device_len;
  struct rc_throttle_device *throttle_read_iops_device;
  size_t throttle_read_iops_device_len;
  struct rc_throttle_device *throttle_write_iops_device;
  size_t throttle_write_iops_device_len;
};

struct rc_hugepage_limit
{
  char *page_size; /* "2MB", "64KB" */
  uint64_t limit;
};

struct rc_net_priority
{
  char *name;
  uint32_t priority;
};

struct rc_network
{
  bool has_class_id;
  uint32_t class_id;
  struct rc_net_priority *priorities;
  size_t priorities_len;
};

struct rc_pids
{
  int64_t limit;
};

/* linux.resources.rdma is a map keyed by device name. */
struct rc_rdma
{
  char *device;
  bool has_hca_handles;
  uint32_t hca_handles;
  bool has_hca_objects;
  uint32_t hca_objects;
};

struct rc_resources
{
  struct rc_device_cgroup *devices;
  size_t devices_len;
  struct rc_memory *memory;
  struct rc_cpu *cpu;
  struct rc_block_io *block_io;
  struct rc_hugepage_limit *hugepage_limits;
  size_t hugepage_limits_len;
  struct rc_network *network;
  struct rc_pids *pids;
  struct rc_rdma *rdma;
  size_t rdma_len;
  char **unified; /* string map: cgroup v2 file name -> value */
};

struct rc_intel_rdt
{
  char *clos_id;
  char *l3_cache_schema;
  char *mem_bw_schema;
  char **schemata; /* one line each; a single string in the document is one element */
  bool enable_cmt;
  bool enable_mbm;
};

struct rc_seccomp_arg
{
  uint32_t index;
  uint64_t value;
  bool has_value_two;
  uint64_t value_two;
  char *op; /* "SCMP_CMP_EQ", ... */
};

struct rc_seccomp_syscall
{
  char **names;
  char *action; /* "SCMP_ACT_ERRNO", ... */
  bool has_errno_ret;
  uint32_t errno_ret;
  struct rc_seccomp_arg *args;
  size_t args_len;
};

struct rc_seccomp
{
  char *default_action;
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  char **architectures; /* "SCMP_ARCH_X86_64", ... */
  char **flags;         /* "SECCOMP_FILTER_FLAG_LOG", ... */
  char *listener_path;
  char *listener_metadata;
  struct rc_seccomp_syscall *syscalls;
  size_t syscalls_len;
};

struct rc_personality
{
  char *domain; /* "LINUX" or "LINUX32" */
  char **flags;
};

/* linux.netDevices: a host interface moved into the container's network
 * namespace, optionally renamed (name NULL = keep host_name). */
struct rc_net_device
{
  char *host_name;
  char *name;
};

struct rc_linux
{
  struct rc_namespace *namespaces;
  size_t namespaces_len;
  struct rc_id_mapping *uid_mappings;
  size_t uid_mappings_len;
  struct rc_id_mapping *gid_mappings;
  size_t gid_mappings_len;
  struct rc_time_offsets *time_offsets;
  struct rc_device *devices;
  size_t devices_len;
  char *cgroups_path;
  struct rc_resources *resources;
  struct rc_intel_rdt *intel_rdt;
  char **sysctl; /* string map */
  struct rc_seccomp *seccomp;
  char *rootfs_propagation; /* "shared", "rslave", ... (see rc_propagation_from_name) */
  char **masked_paths;
  char **readonly_paths;
  char *mount_label;
  struct rc_personality *personality;
  struct rc_net_device *net_devices;
  size_t net_devices_len;
};

/* ---- the document ---- */

struct runtime_config
{
  char *oci_version;
  struct rc_root *root;
  struct rc_mount *mounts;
  size_t mounts_len;
  struct rc_process *process;
  char *hostname;
  char *domainname;
  bool has_hooks;
  struct rc_hook_list hooks[RC_HOOK_KIND_COUNT];
  char **annotations; /* string map */
  /* Named linux_ because `linux` is a predefined macro in GNU C. */
  struct rc_linux *linux_;
};

/* Parse and validate a document held in BUF; NAME prefixes every error
 * ("config.json: .process.args: ..."). Unknown properties are ignored. */
int runtime_config_parse (const char *name, const char *buf, size_t len, struct runtime_config **out, keel_error **err);
/* Read PATH and parse it; errors name the file by its basename ("config.json: ..."). */
int runtime_config_load (const char *path, struct runtime_config **out, keel_error **err);
void runtime_config_free (struct runtime_config *c);
void runtime_config_freep (struct runtime_config **c);
#define _cleanup_runtime_config_ __attribute__ ((cleanup (runtime_config_freep)))

/* Parse a lone process object, as in `exec --process process.json` (runtime-spec
 * config.md "Process"; same validation as .process, paths relative to its root:
 * "process.json: .args: ..."). */
int runtime_config_parse_process (const char *name, const char *buf, size_t len, struct rc_process **out,
                                  keel_error **err);
void rc_process_free (struct rc_process *p);

/* Parse a lone linux.resources object, as `runtime update -r FILE` reads it
 * (what containerd and podman send); same validation as .linux.resources. */
int rc_resources_parse (const char *name, const char *buf, size_t len, struct rc_resources **out, keel_error **err);
void rc_resources_free (struct rc_resources *r);

/* Generate config.json text (malloc'd, NUL-terminated; *len may be NULL). */
int runtime_config_emit (const struct runtime_config *c, bool pretty, char **out, size_t *len, keel_error **err);

/* The default document, like `runc spec` (or `runc spec --rootless`, which maps
 * the caller's uid/gid to 0 in a user namespace). */
int runtime_config_default (bool rootless, struct runtime_config **out, keel_error **err);

/* ---- lookups (names exactly as in the spec; -1 / NULL when unknown) ---- */

const char *rc_hook_kind_name (enum rc_hook_kind k); /* "prestart", "createRuntime", ... */

const char *rc_namespace_type_name (enum rc_namespace_type t); /* "pid", "network", ... */
int rc_namespace_type_from_name (const char *name);            /* an enum rc_namespace_type or -1 */
int rc_namespace_clone_flag (enum rc_namespace_type t);        /* CLONE_NEWPID, ... */
/* The entry of that type in linux.namespaces, or NULL. */
const struct rc_namespace *rc_config_find_namespace (const struct runtime_config *c, enum rc_namespace_type t);

int rc_rlimit_from_name (const char *name); /* "RLIMIT_NOFILE" -> RLIMIT_NOFILE, -1 */
const char *rc_rlimit_name (int resource);

/* Capability names carry the CAP_ prefix, as in config.json ("CAP_SYS_ADMIN"). */
int rc_capability_from_name (const char *name); /* capability number or -1 */
const char *rc_capability_name (int cap);
int rc_capability_last (void); /* the highest capability number known here */

/* Mount propagation: "shared", "slave", "private", "unbindable" and the
 * recursive "r..." forms -> MS_SHARED|MS_REC etc. Returns 0, or -1 when unknown. */
int rc_propagation_from_name (const char *name, unsigned long *flags);

/* Names libseccomp understands, as spelled in config.json. */
bool rc_seccomp_action_valid (const char *name); /* "SCMP_ACT_ALLOW", ... */
bool rc_seccomp_op_valid (const char *name);     /* "SCMP_CMP_EQ", ... */
bool rc_seccomp_arch_valid (const char *name);   /* "SCMP_ARCH_X86_64", ... */
bool rc_seccomp_flag_valid (const char *name);   /* "SECCOMP_FILTER_FLAG_LOG", ... */

#endif
