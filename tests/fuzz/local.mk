# libFuzzer targets, built with --enable-fuzz (clang): `make fuzz-targets`; `make fuzz` runs each for
# FUZZ_SECONDS (contrib/fuzz.sh, which also builds them in a scratch tree when run by hand).
FUZZ_SECONDS = 30
FUZZ_SPEC_TARGETS = tests/fuzz/fuzz_manifest tests/fuzz/fuzz_digest tests/fuzz/fuzz_config tests/fuzz/fuzz_state
FUZZ_PULL_TARGETS = tests/fuzz/fuzz_reference tests/fuzz/fuzz_auth tests/fuzz/fuzz_registries_conf
FUZZ_TARGETS = $(FUZZ_SPEC_TARGETS) $(FUZZ_PULL_TARGETS) tests/fuzz/fuzz_layer
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/fuzz_manifest.dict tests/fuzz/fuzz_config.dict \
	$(FUZZ_TARGETS:=.c)

if ENABLE_FUZZ
noinst_PROGRAMS += $(FUZZ_TARGETS)
FUZZ_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
FUZZ_LDFLAGS_ALL = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
FUZZ_PULL_LDADD = imagetool/libpull.a $(SPEC_LIBS) $(CURL_LIBS)

tests_fuzz_fuzz_manifest_SOURCES = tests/fuzz/fuzz_manifest.c
tests_fuzz_fuzz_manifest_LDADD = $(SPEC_LIBS)
tests_fuzz_fuzz_manifest_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_manifest_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_digest_SOURCES = tests/fuzz/fuzz_digest.c
tests_fuzz_fuzz_digest_LDADD = $(SPEC_LIBS)
tests_fuzz_fuzz_digest_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_digest_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_LDADD = $(SPEC_LIBS)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_config_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_state_SOURCES = tests/fuzz/fuzz_state.c
tests_fuzz_fuzz_state_LDADD = $(SPEC_LIBS)
tests_fuzz_fuzz_state_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_state_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_reference_SOURCES = tests/fuzz/fuzz_reference.c
tests_fuzz_fuzz_reference_LDADD = $(FUZZ_PULL_LDADD)
tests_fuzz_fuzz_reference_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_reference_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_auth_SOURCES = tests/fuzz/fuzz_auth.c
tests_fuzz_fuzz_auth_LDADD = $(FUZZ_PULL_LDADD)
tests_fuzz_fuzz_auth_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_auth_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_registries_conf_SOURCES = tests/fuzz/fuzz_registries_conf.c
tests_fuzz_fuzz_registries_conf_LDADD = $(FUZZ_PULL_LDADD)
tests_fuzz_fuzz_registries_conf_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_registries_conf_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_layer_SOURCES = tests/fuzz/fuzz_layer.c
tests_fuzz_fuzz_layer_LDADD = $(UNPACK_LIBS)
tests_fuzz_fuzz_layer_LDFLAGS = $(FUZZ_LDFLAGS_ALL)
tests_fuzz_fuzz_layer_CFLAGS = $(FUZZ_CFLAGS) $(ARCHIVE_CFLAGS)

fuzz-targets: $(FUZZ_TARGETS)
fuzz: fuzz-targets
	KEEL_FUZZ_PREBUILT='$(abs_top_builddir)' $(top_srcdir)/contrib/fuzz.sh $(FUZZ_SECONDS)
else
fuzz-targets fuzz:
	@echo "fuzz targets need ./configure CC=clang --enable-fuzz" >&2; exit 1
endif
.PHONY: fuzz-targets fuzz
