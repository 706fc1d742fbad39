# tests/payload: the static probe run inside test containers, and its own bats suite (payload + bundle helpers).
# Static and without sanitizers whatever configure chose: it runs in a busybox rootfs with no libc or ASan runtime,
# so its CFLAGS/LDFLAGS replace AM_CFLAGS/AM_LDFLAGS (which carry SAN_CFLAGS).
check_PROGRAMS += tests/payload/payload
tests_payload_payload_SOURCES = tests/payload/payload.c
tests_payload_payload_CFLAGS = -std=gnu11 $(WARN_CFLAGS)
tests_payload_payload_LDFLAGS = -static
tests_payload_payload_LDADD = -lm

TESTS += tests/payload.bats
EXTRA_DIST += tests/payload.bats tests/payload/README.md

