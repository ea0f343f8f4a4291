"""Checks the chart's Grafana dashboards and their ConfigMap; scripts/check-chart.sh runs it.

usage: check_dashboards.py CHART_DIR OPTIONS_VALUES ON_RENDER...
                           --options OPTIONS_RENDER --off OFF_RENDER

Every files/dashboards/*.json is a dashboard Grafana can load from a Prometheus data source
chosen by its ${datasource} variable. In each default render (ON_RENDER: dashboards on, the
chart's defaults) one ConfigMap in the release namespace carries the sidecar's default label
and holds every dashboard file byte for byte; in OPTIONS_RENDER (rendered with OPTIONS_VALUES)
it carries that file's label, namespace and folder annotation; OFF_RENDER has no dashboards.
Prints one line per check; exits 1 when anything failed.
"""

import argparse
import json
import sys
from pathlib import Path

import yaml

# The shared reporter lives in scripts/checks; this script runs as `python <path>`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "checks"))
from check_report import exit_status, report  # noqa: E402

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
# kube-prometheus-stack's sidecar.dashboards.label / labelValue, the chart's default.
DEFAULT_LABEL = ("grafana_dashboard", "1")


# Panels of a dashboard, those inside rows included.
def panels_of(dashboard):
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


# What makes a dashboard load and query the right data source (empty list when it does).
def dashboard_faults(dashboard):
    faults = []
    if not isinstance(dashboard.get("schemaVersion"), int) or not dashboard.get("uid"):
        faults.append("schemaVersion or uid missing")
    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    source = variables.get("datasource", {})
    if source.get("type") != "datasource" or source.get("query") != "prometheus":
        faults.append("no Prometheus data source variable named datasource")
    ids = [p.get("id") for p in panels_of(dashboard)]
    if len(ids) != len(set(ids)) or None in ids:
        faults.append("panel ids missing or repeated")
    for panel in panels_of(dashboard):
        if panel.get("type") == "row":
            continue
        grid = panel.get("gridPos", {})
        if grid.get("x", 0) + grid.get("w", 0) > 24:
            faults.append(f"panel {panel.get('title')!r} is wider than the grid")
        targets = panel.get("targets", [])
        sources = [panel.get("datasource")] + [t.get("datasource") for t in targets]
        if not targets or any(s != DATASOURCE for s in sources):
            faults.append(f"panel {panel.get('title')!r} does not query ${{datasource}}")
        if any(not t.get("expr") or not t.get("refId") for t in targets):
            faults.append(f"panel {panel.get('title')!r} has a target without expr or refId")
    return faults


def check_files(files):
    report(bool(files), "files/dashboards holds dashboards", ", ".join(sorted(files)))
    for name, text in files.items():
        try:
            dashboard = json.loads(text)
        except json.JSONDecodeError as error:
            report(False, f"{name} is JSON", str(error))
            continue
        faults = dashboard_faults(dashboard)
        what = f"{name} loads in Grafana and queries ${{datasource}}"
        report(not faults, what, "; ".join(faults))
    uids = [json.loads(t).get("uid") for t in files.values()]
    report(len(uids) == len(set(uids)), "dashboard uids are unique")


# The rendered ConfigMaps that carry dashboards (a data key ending in .json).
def dashboard_config_maps(path):
    docs = [d for d in yaml.safe_load_all(Path(path).read_text(encoding="utf-8")) if d]
    return [
        d for d in docs
        if d["kind"] == "ConfigMap" and any(k.endswith(".json") for k in (d.get("data") or {}))
    ]


def check_render(path, files, label, namespace, folder=None):
    maps = dashboard_config_maps(path)
    name = Path(path).stem
    count = "" if len(maps) == 1 else f"found {len(maps)}"
    report(len(maps) == 1, f"{name}: one dashboards ConfigMap", count)
    if len(maps) != 1:
        return
    metadata = maps[0]["metadata"]
    data = maps[0]["data"]
    differ = sorted(k for k in set(data) | set(files) if data.get(k) != files.get(k))
    what = f"{name}: the ConfigMap holds every dashboard file unchanged"
    report(not differ, what, ", ".join(differ))
    parsed = {k: json.loads(v) for k, v in data.items()}
    expected = {k: json.loads(v) for k, v in files.items()}
    report(parsed == expected, f"{name}: its JSON equals the files'")
    labels = metadata.get("labels", {})
    what = f"{name}: labelled {label[0]}={label[1]!r} for the sidecar"
    report(labels.get(label[0]) == label[1], what)
    report(metadata.get("namespace") == namespace, f"{name}: in namespace {namespace}")
    if folder is not None:
        annotations = metadata.get("annotations", {})
        what = f"{name}: folder annotation {folder[0]}={folder[1]!r}"
        report(annotations.get(folder[0]) == folder[1], what)
    else:
        report(not metadata.get("annotations"), f"{name}: no folder annotation by default")


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("chart_dir")
    parser.add_argument("options_values")
    parser.add_argument("on_renders", nargs="+")
    parser.add_argument("--options", required=True)
    parser.add_argument("--off", required=True)
    args = parser.parse_args()
    files = {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted(Path(args.chart_dir, "files/dashboards").glob("*.json"))
    }
    check_files(files)
    for path in args.on_renders:
        # check-chart.sh renders each deployment into the namespace named like it
        check_render(path, files, DEFAULT_LABEL, Path(path).stem.removeprefix("rendered-"))
    options = yaml.safe_load(Path(args.options_values).read_text(encoding="utf-8"))
    grafana = options["dashboards"]["grafana"]
    check_render(args.options, files, (grafana["label"]["key"], grafana["label"]["value"]),
                 grafana["namespace"], (grafana["folderAnnotation"], grafana["folder"]))
    maps = dashboard_config_maps(args.off)
    report(not maps, f"{Path(args.off).stem}: no dashboards ConfigMap when disabled")
    return exit_status("dashboard")


if __name__ == "__main__":
    raise SystemExit(main())
