#!/usr/bin/env bash
# Prints TypeScript line counts per project, split into production code and test code
# (specs, testing/ folders, libraries tagged type:test), plus the test scaffolding total (testing/
# folders, test-support, hub-harness: the measure of issue 11).
#   bash scripts/code-size.sh [git-revision]     (default: the working tree)
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:-}"

# Lists the tracked .ts files at the revision (or in the working tree) with their line counts.
files_with_lines() {
  if [[ -n "$rev" ]]; then
    git ls-tree -r --name-only "$rev" -- apps libs e2e demo bench | grep '\.ts$' | while read -r f; do
      printf '%s %s\n' "$(git show "$rev:$f" | wc -l)" "$f"
    done
  else
    git ls-files -co --exclude-standard -- apps libs e2e demo bench | grep '\.ts$' | while read -r f; do
      [[ -f "$f" ]] && printf '%s %s\n' "$(wc -l < "$f")" "$f"
    done
  fi
}

# The libraries tagged type:test (test utilities production code may not import), one per line.
test_only_libs() {
  local project
  for project in $(if [[ -n "$rev" ]]; then git ls-tree -r --name-only "$rev" -- libs; else git ls-files -- libs; fi | grep '/project.json$'); do
    if [[ -n "$rev" ]]; then git show "$rev:$project"; else cat "$project"; fi \
      | grep -q '"type:test"' && dirname "$project"
  done
}

files_with_lines | awk -v test_libs="$(test_only_libs | tr '\n' ' ')" '
  function project(path,  parts) { split(path, parts, "/"); return (parts[1] == "apps" || parts[1] == "libs") ? parts[1] "/" parts[2] : parts[1] }
  # Before the type:test tag existed (issue 11), these two were the test-only libraries.
  function is_test_only_lib(p) { return index(" " test_libs " ", " " p " ") || p == "libs/test-support" || p == "libs/hub-harness" }
  {
    lines = $1; path = $2; p = project(path)
    test = is_test_only_lib(p) || path ~ /\.spec\.ts$/ || path ~ /\/testing\// || path ~ /\/tests\// || p == "e2e" || p == "bench"
    scaffold = p == "libs/test-support" || p == "libs/hub-harness" || path ~ /\/testing\//
    if (scaffold) scaffolding += lines
    if (test) { tst[p] += lines; total_test += lines } else { prod[p] += lines; total_prod += lines }
    seen[p] = 1
  }
  END {
    printf "%-28s %10s %10s\n", "project", "production", "test"
    for (name in seen) printf "%-28s %10d %10d\n", name, prod[name], tst[name] | "sort"
    close("sort")
    printf "%-28s %10d %10d\n", "total", total_prod, total_test
    printf "test scaffolding (testing/ folders, test-support, hub-harness): %d\n", scaffolding
  }'
