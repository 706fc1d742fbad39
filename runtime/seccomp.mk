# runtime/libseccompfilter.a: linux.seccomp compiled with libseccomp (linked into runtime).
