/* cgroup v2 device control: linux.resources.devices compiled to a BPF_PROG_TYPE_CGROUP_DEVICE program. */
#ifndef KEEL_CGROUP_DEVICES_BPF_H
#define KEEL_CGROUP_DEVICES_BPF_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "runtime_config.h"

struct bpf_insn;

/* Build the program for RULES: default deny, then the rules with the last
 * matching one deciding, which is what applying them in order means on v1
 * (runtime-spec config-linux.md "Allowed Device list": "The runtime MUST apply
 * entries in the listed order"). *OUT is malloc'd. */
int cgroup_devices_bpf_build (const struct rc_device_cgroup *rules, size_t n, struct bpf_insn **out, size_t *len,
                              keel_error **err);

/* Load the program and attach it to CGROUP_DIRFD (BPF_CGROUP_DEVICE,
 * BPF_F_ALLOW_MULTI), then detach the programs attached there before, so an
 * update replaces our filter without a window where none is in force. */
int cgroup_devices_bpf_attach (int cgroup_dirfd, const struct rc_device_cgroup *rules, size_t n, keel_error **err);

#endif
