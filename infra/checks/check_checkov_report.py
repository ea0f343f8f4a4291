"""Judges a checkov JSON report of infra/; check-infra.sh runs it after checkov.

usage: check_checkov_report.py CHECKOV_JSON INFRA_DIR

Fails on any failed check, prints every skipped one with its reason, and fails when a
`checkov:skip` comment in the Bicep source suppressed nothing (a stale skip would silently
swallow a future finding of the same check).
Prints one line per check; exits 1 when anything failed.
"""

import json
import re
import sys
from pathlib import Path

SKIP = re.compile(r"checkov:skip=(CKV2?_[A-Z]+_\d+)")


def main(report_path, infra_dir):
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    reports = report if isinstance(report, list) else [report]
    failed = [c for r in reports for c in r["results"].get("failed_checks", [])]
    skipped = [c for r in reports for c in r["results"].get("skipped_checks", [])]
    passed = sum(r["summary"]["passed"] for r in reports)
    for check in failed:
        print(f"FAIL {check['check_id']} {check['check_name']}: {check['resource']} "
              f"({check['file_path']}:{check['file_line_range'][0]})")
    for check in skipped:
        reason = check.get("check_result", {}).get("suppress_comment", "").strip()
        print(f"skip {check['check_id']} on {check['resource']}: {reason}")
    declared = {
        (path.name, match.group(1))
        for path in Path(infra_dir).rglob("*.bicep")
        for match in SKIP.finditer(path.read_text(encoding="utf-8"))
    }
    used = {(Path(c["file_path"]).name, c["check_id"]) for c in skipped}
    stale = sorted(declared - used)
    for name, check_id in stale:
        print(f"FAIL stale skip {check_id} in {name}: it suppressed no finding")
    print(f"checkov: {passed} passed, {len(failed)} failed, {len(skipped)} skipped")
    return 1 if failed or stale else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
