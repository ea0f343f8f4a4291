"""Checks the Azure Monitor workbooks that modules/workbook.bicep deploys; check-infra.sh runs it.

usage: check_workbooks.py WORKBOOK_JSON...

ARM stores a workbook's serializedData without looking into it, so a broken one deploys and
fails only when opened. Each file must be a "Notebook/1.0" workbook whose query items run KQL
(queryType 0) on Application Insights (microsoft.insights/components) with a visualization and
the time range of the TimeRange parameter; every {Parameter} a query uses must be declared; and
item names must be unique (the portal addresses items by name). What the queries name is checked
against real telemetry by e2e/tests/dashboards.spec.ts.
Prints one line per check; exits 1 when anything failed.
"""

import json
import re
import sys
from pathlib import Path

# The shared reporter lives in scripts/checks; this script runs as `python <path>`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "checks"))
from check_report import exit_status, report  # noqa: E402

COMPONENTS = "microsoft.insights/components"
VISUALIZATIONS = {"areachart", "barchart", "categoricalbar", "graph", "linechart", "piechart",
                  "scatterchart", "table", "tiles", "timechart", "unstackedbar"}
# {Name} or {Name:format}; {{ is a literal brace in workbook text.
PARAMETER_USE = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")


# Every item, those inside groups (type 12) included.
def items_of(container):
    for item in container.get("items", []):
        yield item
        yield from items_of(item.get("content", {}))


# What keeps a query item from running on Application Insights (empty list when it runs).
def query_faults(item):
    content = item.get("content", {})
    faults = []
    if content.get("version") != "KqlItem/1.0" or not content.get("query", "").strip():
        faults.append("not a KqlItem/1.0 with a query")
    if content.get("queryType") != 0 or content.get("resourceType") != COMPONENTS:
        faults.append(f"not KQL (queryType 0) on {COMPONENTS}")
    if content.get("visualization") not in VISUALIZATIONS:
        faults.append(f"visualization {content.get('visualization')!r}")
    if content.get("timeContextFromParameter") != "TimeRange":
        faults.append("not on the TimeRange parameter")
    return faults


def check_workbook(path):
    workbook = json.loads(Path(path).read_text(encoding="utf-8"))
    items = list(items_of(workbook))
    is_notebook = workbook.get("version") == "Notebook/1.0" and bool(items)
    report(is_notebook, f"{path}: a Notebook/1.0 workbook")
    names = [item.get("name") for item in items]
    report(None not in names and len(names) == len(set(names)), f"{path}: item names are unique")
    parameters = {
        p["name"]: p for item in items if item.get("type") == 9
        for p in item.get("content", {}).get("parameters", [])
    }
    report(parameters.get("TimeRange", {}).get("type") == 4, f"{path}: a TimeRange parameter")
    queries = [(item.get("name"), item.get("content", {}).get("query", "")) for item in items
               if item.get("type") == 3]
    queries += [(f"parameter {n}", p.get("query", "")) for n, p in parameters.items()]
    for item in (i for i in items if i.get("type") == 3):
        faults = query_faults(item)
        what = f"{path}: query {item.get('name')} runs on Application Insights"
        report(not faults, what, "; ".join(faults))
    undeclared = sorted({
        f"{where}: {{{name}}}" for where, query in queries
        for name in PARAMETER_USE.findall(query) if name not in parameters
    })
    report(not undeclared, f"{path}: queries use declared parameters only", ", ".join(undeclared))


def main(paths):
    for path in paths:
        check_workbook(path)
    return exit_status("workbook")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
