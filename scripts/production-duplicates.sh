#!/usr/bin/env bash
# Runs the `duplicates` tool over production TypeScript only (apps/ and libs/ without specs,
# testing/ folders or the test-only libraries), from a temporary copy of those files.
#   bash scripts/production-duplicates.sh [git-revision]   (default: the working tree)
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:-}"
copy="$(mktemp -d)"
trap 'rm -rf "$copy"' EXIT
if [[ -n "$rev" ]]; then list=(git ls-tree -r --name-only "$rev" -- apps libs); else list=(git ls-files -co --exclude-standard -- apps libs); fi
"${list[@]}" | grep '\.ts$' | grep -vE '\.spec\.ts$|/testing/|/tests/|^libs/(test-support|hub-harness)/' | while read -r f; do
  mkdir -p "$copy/$(dirname "$f")"
  if [[ -n "$rev" ]]; then git show "$rev:$f" > "$copy/$f"; else cp "$f" "$copy/$f"; fi
done
duplicates --repo "$copy" --most 50
