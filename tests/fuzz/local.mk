# libFuzzer targets, built with --enable-fuzz (clang): `make fuzz-targets`, run by contrib/fuzz.sh.
FUZZ_TARGETS = tests/fuzz/fuzz_manifest tests/fuzz/fuzz_digest tests/fuzz/fuzz_config
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/fuzz_manifest.c tests/fuzz/fuzz_digest.c tests/fuzz/fuzz_config.c \
	tests/fuzz/fuzz_manifest.dict tests/fuzz/fuzz_config.dict

if ENABLE_FUZZ
noinst_PROGRAMS += $(FUZZ_TARGETS)
FUZZ_LDADD = $(SPEC_LIBS)
tests_fuzz_fuzz_manifest_SOURCES = tests/fuzz/fuzz_manifest.c
tests_fuzz_fuzz_manifest_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_manifest_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_manifest_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
tests_fuzz_fuzz_digest_SOURCES = tests/fuzz/fuzz_digest.c
tests_fuzz_fuzz_digest_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_digest_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_digest_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)

fuzz-targets: $(FUZZ_TARGETS)
else
fuzz-targets:
	@echo "fuzz targets need ./configure CC=clang --enable-fuzz" >&2; exit 1
endif
.PHONY: fuzz-targets
