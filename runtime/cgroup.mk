# runtime/libcgroupres.a: linux.resources written to cgroup v1/hybrid/v2 files, v2 device eBPF (linked into runtime).
