/* linux.seccomp: compiled by libseccomp in the parent, loaded in the child, NOTIFY fds handed to agents. */
#ifndef KEEL_SECCOMP_H
#define KEEL_SECCOMP_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "runtime_config.h"

/* How the runtime uses this (issue 7: the runtime's own setup is not filtered):
 *   parent, before clone:  seccomp_compile (config->linux_->seccomp, &prog, err)   -- all errors surface here
 *   child, last steps:     PR_SET_NO_NEW_PRIVS if process.noNewPrivileges, capabilities dropped, then
 *                          seccomp_program_load (prog, &notify_fd, err)
 *                          if notify_fd >= 0: send it to the parent over the sync socket (sendmsg, SCM_RIGHTS)
 *                          wait on exec.fifo, execve
 *   parent, on receiving notify_fd: seccomp_send_listener (listenerPath, notify_fd, state (status "creating"),
 *                          listenerMetadata, err); close notify_fd; a failure fails create.
 * Without noNewPrivileges the load needs CAP_SYS_ADMIN, so then it must come just before capabilities are
 * dropped instead (runc does the same); everything between the load and execve must be allowed by the profile. NOTIFY
 * is refused for write and sendmsg, the syscalls that hand the fd back, which would otherwise wait for an agent that
 * does not have the fd yet. */

/* A compiled filter: the BPF program libseccomp generated, the seccomp(2)
 * flags to load it with and whether it returns SECCOMP_RET_USER_NOTIF.
 * Plain memory, so it survives clone() into the child without further work. */
struct seccomp_program;

/* Compile S (in the parent, before clone). Checks what the data model cannot:
 * arches this libseccomp knows, flags and actions this kernel supports,
 * errnoRet only on actions that take one, NOTIFY needing listenerPath.
 * Syscall names unknown to every configured arch are skipped, as runc does. */
int seccomp_compile (const struct rc_seccomp *s, struct seccomp_program **out, keel_error **err);

/* seccomp_compile with a cache: a program compiled before from the same
 * profile by the same libseccomp on the same kernel release is read back from
 * CACHE_DIR/<64-bit FNV-1a of those> instead (the 3-arch default profile
 * costs tens of ms to compile, see contrib/bench/seccomp-compile.sh). Each
 * entry stores the full description it was compiled from and is used only
 * when that matches byte for byte: the hash merely names the file. CACHE_DIR is
 * created 0700 and must be writable by root only (e.g. under the state root):
 * a cached program is loaded as it is. A damaged entry is recompiled; failing
 * to write the cache only costs the next start the compile. */
int seccomp_compile_cached (const struct rc_seccomp *s, const char *cache_dir, struct seccomp_program **out,
                            keel_error **err);

/* What create and exec use: seccomp_compile_cached in STATE_ROOT/SECCOMP_CACHE_DIR
 * when the profile is big enough for compiling to cost more than reading the
 * cache back (the podman default profile: ~10 ms compiled, ~0.1 ms cached),
 * seccomp_compile otherwise, so small one-off profiles leave no files. The
 * cache holds at most SECCOMP_CACHE_MAX programs: a full cache is emptied
 * before the next write. */
#define SECCOMP_CACHE_DIR ":seccomp-cache" /* not a valid container id: never listed, never clashes */
#define SECCOMP_CACHE_MIN_RULES 64         /* syscall names x architectures */
#define SECCOMP_CACHE_MAX 32
int seccomp_compile_for_runtime (const struct rc_seccomp *s, const char *state_root, struct seccomp_program **out,
                                 keel_error **err);

/* Whether the container's notify fd must go to listenerPath. */
bool seccomp_program_uses_notify (const struct seccomp_program *p);

/* Number of BPF instructions (for logs and benchmarks). */
unsigned int seccomp_program_size (const struct seccomp_program *p);

/* The BPF instructions (struct sock_filter[]) and their size in bytes. */
const void *seccomp_program_bpf (const struct seccomp_program *p, size_t *bytes);

/* SECCOMP_FILTER_FLAG_* the program is loaded with. */
unsigned int seccomp_program_flags (const struct seccomp_program *p);

/* Load P into the calling process: one seccomp(SECCOMP_SET_MODE_FILTER) call.
 * The caller must already have set PR_SET_NO_NEW_PRIVS or hold CAP_SYS_ADMIN.
 * When P uses NOTIFY, *NOTIFY_FD_OUT receives the listener fd (O_CLOEXEC);
 * otherwise it is set to -1. NOTIFY_FD_OUT may be NULL only without NOTIFY. */
int seccomp_program_load (const struct seccomp_program *p, int *notify_fd_out, keel_error **err);

/* runtime-spec config-linux.md "Seccomp" listenerPath: connect to
 * LISTENER_PATH (AF_UNIX, SOCK_STREAM), send the container process state
 * {ociVersion, fds:["seccompFd"], pid, metadata, state} with NOTIFY_FD in
 * SCM_RIGHTS on the first sendmsg, then close. STATE_JSON is the container's
 * state (runtime.md "State", status "creating"); its "pid" is copied into the
 * top-level "pid". METADATA is listenerMetadata, may be NULL. */
int seccomp_send_listener (const char *listener_path, int notify_fd, const char *state_json, const char *metadata,
                           keel_error **err);

/* The same for a process other than the container's init (`exec`): its pid
 * PROCESS_PID is the top-level "pid", STATE_JSON's "pid" stays the init's
 * (as runc sends it). PROCESS_PID 0: the state's, as seccomp_send_listener. */
int seccomp_send_listener_for (const char *listener_path, int notify_fd, pid_t process_pid, const char *state_json,
                               const char *metadata, keel_error **err);

void seccomp_program_free (struct seccomp_program *p);
void seccomp_program_freep (struct seccomp_program **p);
#define _cleanup_seccomp_program_ __attribute__ ((cleanup (seccomp_program_freep)))

/* For `features` (features.md "linux.seccomp"): the names this build and this
 * kernel support, as spelled in config.json. Each returns a malloc'd
 * NULL-terminated array of static strings: free() the array only. */
const char **seccomp_supported_actions (void);   /* kernel-checked (SECCOMP_GET_ACTION_AVAIL) */
const char **seccomp_supported_operators (void); /* all of libseccomp's */
const char **seccomp_supported_archs (void);     /* those this libseccomp resolves */
const char **seccomp_supported_flags (void);     /* kernel-probed */

#endif
