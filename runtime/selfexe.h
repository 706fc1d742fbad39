/* CVE-2019-5736: make the runtime run from a sealed memfd copy of its binary before it enters a container. */
#ifndef KEEL_SELFEXE_H
#define KEEL_SELFEXE_H

#include "error.h"

/* The container's init and exec's process are clones of the runtime until
 * they execve, so /proc/<pid>/exe (and /proc/self/exe, should the container
 * make them execute it) name the runtime binary: a container that opens it
 * could overwrite the host's runtime once nobody executes it (CVE-2019-5736).
 * Called first by create, run and exec: unless already running from one,
 * copies /proc/self/exe into a memfd sealed against writes, resizing and
 * further seals, and re-executes it with ARGV and the same environment
 * (never returns then). Returns 0 when already running sealed, -1 on error.
 * Costs a copy of the binary's loaded part (not its debug info) into page
 * cache and a second exec with its dynamic loading, per invocation: measured
 * by contrib/bench/runtime.sh ("Cost of the CVE-2019-5736 re-exec"). */
int selfexe_seal (char **argv, keel_error **err);

#endif
