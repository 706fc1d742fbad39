# tests/docs/: man pages, shell completions and messages checked against the programs.
DOCS_SUITES = tests/docs/man.bats tests/docs/completion.bats tests/docs/messages.bats tests/docs/dist.bats
TESTS += $(DOCS_SUITES)
EXTRA_DIST += $(DOCS_SUITES)
