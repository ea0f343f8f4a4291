#!/usr/bin/env bash
# Checks the GitHub Actions workflows with actionlint (syntax, expressions, job wiring) and
# their run: scripts and our own shell scripts with shellcheck.
# Needs scripts/setup-tools.sh to have run. Exits non-zero on any finding.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

workflows=(.github/workflows/*.yml)
shellcheck=.tools/venv/bin/shellcheck
.tools/bin/actionlint -shellcheck "$shellcheck" "${workflows[@]}"
echo "actionlint with shellcheck: ${workflows[*]} ok"
"$shellcheck" scripts/*.sh helm/scripts/*.sh helm/pchub/files/singleuser/*.sh \
  libs/chart-hub/hub/*.sh docker/base-stand-in/*.sh .ci/run
echo "shellcheck: scripts ok"
