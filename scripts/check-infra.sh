#!/usr/bin/env bash
# Checks the Bicep infrastructure (infra/) without Azure: every .bicep file parsed by
# pycep-parser with the static cross-checks of infra/checks/check_bicep.py (descriptions,
# module parameters, parameter files, loaded files, justified skips, the helmValues output's
# shape), the Azure Monitor workbooks (infra/workbooks) the Bicep deploys, the Key Vault readers'
# identities and role assignments (infra/checks/check_key_vault_access.py), then checkov's Bicep
# policies, which must pass with every skip justified in the Bicep source.
# Needs scripts/setup-tools.sh to have run. Exits non-zero on any finding.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

PYTHONDONTWRITEBYTECODE=1 .tools/venv/bin/python infra/checks/check_bicep.py infra helm/checks/infra-outputs.example.yaml
PYTHONDONTWRITEBYTECODE=1 .tools/venv/bin/python infra/checks/check_workbooks.py infra/workbooks/*.json
# The Key Vault readers: federated identities, Key Vault Secrets User scoped to the vault only.
PYTHONDONTWRITEBYTECODE=1 .tools/venv/bin/python infra/checks/check_key_vault_access.py infra

report="$(mktemp)"
trap 'rm -f "$report"' EXIT
# --skip-download: no calls to the vendor's API (no network here, and none needed). checkov
# exits 1 on findings; the report judge below says which, and also fails on stale skips.
.tools/venv/bin/checkov --framework bicep --directory infra --skip-download --output json \
  > "$report" || true
.tools/venv/bin/python infra/checks/check_checkov_report.py "$report" infra
echo "infra checks passed"
