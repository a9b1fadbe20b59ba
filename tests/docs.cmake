# Man pages (docs/man/) and shell completions (completions/) are generated from
# the commands' option tables (`etpu help --options-json`) and `etpu --help` by
# scripts/gen-man.py and checked in; these tests keep them in
# step with the binary. Included from tests/CMakeLists.txt. Helper:
# tests/docs_test.py (its docstring says what each mode checks).
#
# A change of an option table or --help fails man_pages_in_sync until the files
# are regenerated:
#   python3 scripts/gen-man.py --etpu build/src/etpu
set(ETPU_DOCS_TEST ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/docs_test.py
                   ${ETPU_CLI} ${PROJECT_SOURCE_DIR})

# Regenerate into a temp dir from the built binary; any difference is printed as a diff.
add_test(NAME man_pages_in_sync COMMAND ${ETPU_DOCS_TEST} sync)
# groff -man -ww reports no warning and man -l reads every page (skipped without groff/man).
add_test(NAME man_pages_lint COMMAND ${ETPU_DOCS_TEST} lint)
# Completion flags = --help flags = getopt tables; pass names = `etpu fix --list`.
add_test(NAME completion_flags_match_help COMMAND ${ETPU_DOCS_TEST} flags)
# _etpu driven in plain bash: commands, flags, comma-separated pass lists, values, files.
add_test(NAME completion_bash COMMAND ${ETPU_DOCS_TEST} bash)
# zsh -n, then completions typed into a real zsh through zpty (skipped without zsh,
# which scripts/install-deps.sh does not install).
add_test(NAME completion_zsh COMMAND ${ETPU_DOCS_TEST} zsh)
set_tests_properties(man_pages_lint completion_zsh PROPERTIES SKIP_RETURN_CODE 77)
set_tests_properties(completion_zsh PROPERTIES TIMEOUT 120)
set_tests_properties(man_pages_in_sync man_pages_lint completion_flags_match_help
                     completion_bash completion_zsh PROPERTIES LABELS docs)
