# tests/docs/: man pages and shell completions checked against the programs' --help.
DOCS_SUITES = tests/docs/man.bats tests/docs/completion.bats
TESTS += $(DOCS_SUITES)
EXTRA_DIST += $(DOCS_SUITES)
