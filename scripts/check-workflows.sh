#!/usr/bin/env bash
# Checks the GitHub Actions workflows with actionlint (syntax, expressions, job wiring, and
# the run: scripts through shellcheck when it is installed).
# Needs scripts/setup-tools.sh to have run. Exits non-zero on any finding.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

workflows=(.github/workflows/*.yml)
.tools/bin/actionlint "${workflows[@]}"
if command -v shellcheck > /dev/null; then
  echo "actionlint (with shellcheck): ${workflows[*]} ok"
else
  echo "actionlint (shellcheck not installed, run: scripts unchecked): ${workflows[*]} ok"
fi
