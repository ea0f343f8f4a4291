"""Checks of the chart's values that `helm lint` cannot make; scripts/check-chart.sh runs it.

usage: check_values.py CHART_DIR INFRA_OUTPUTS_EXAMPLE MERGED_OUT_DIR

For values.yaml and every values-<env>.yaml it checks that no secret is written in, and for
each deployment (values.yaml + values-<env>.yaml + the Bicep outputs, merged as helm merges)
that every Python snippet (hub and Dask Gateway extraConfig, the pre_spawn_hook file)
compiles. (helm itself validates daskhub.jupyterhub against the jupyterhub chart's
values.schema.json when it renders the chart with the released daskhub.) It writes each
deployment's merged values to MERGED_OUT_DIR/<env>.json for check_hub_config.py.
Prints one line per check; exits 1 when anything failed.
"""

import copy
import json
import re
import sys
from pathlib import Path

import yaml

# The shared reporter lives in scripts/checks; this script runs as `python <path>`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "checks"))
from check_report import exit_status, report  # noqa: E402

# Keys whose non-empty value can only be a secret (helm/README.md: secrets live in Secrets).
SECRET_KEYS = re.compile(
    r"^(api_?token|apiToken|secretToken|cookieSecret|client_secret|password|.*_KEY|"
    r".*CONNECTION_STRING|PC_ID_TOKEN|JUPYTERHUB_API_TOKEN|crypt_?key|cryptoKey)$",
    re.IGNORECASE,
)
# Values that look like credentials whatever their key (connection strings, long hex keys).
SECRET_VALUES = re.compile(r"InstrumentationKey=|AccountKey=|SharedAccessKey=|^[0-9a-f]{32,}$")
# Values that look like credentials but are not secrets, by decision (docs/operator-guide.md,
# "Secrets"): the Application Insights connection string only lets its holder send telemetry.
NOT_SECRETS = {"telemetry.applicationInsights.connectionString"}


# Helm's merge: maps merge key by key, anything else (lists too) is replaced, null deletes.
def helm_merge(base, override):
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


# Walks every (path, key, value) so secrets are found however deep they are written.
def walk(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield path + (str(key),), str(key), value
            yield from walk(value, path + (str(key),))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, path + (str(index),))


# A values file may name a Secret (secretKeyRef) but never hold a secret's value.
def secrets_in(values):
    found = []
    for path, key, value in walk(values):
        if isinstance(value, (dict, list)) or value in (None, ""):
            continue
        if ".".join(path) in NOT_SECRETS:
            continue
        if SECRET_KEYS.match(key) or SECRET_VALUES.search(str(value)):
            found.append(".".join(path))
    return found


# Every Python snippet the hub or the gateway will exec, by a readable name.
def python_snippets(values, chart_dir):
    jupyterhub = values.get("daskhub", {}).get("jupyterhub", {})
    gateway = values.get("daskhub", {}).get("dask-gateway", {}).get("gateway", {})
    for name, code in (jupyterhub.get("hub", {}).get("extraConfig") or {}).items():
        yield f"daskhub.jupyterhub.hub.extraConfig.{name}", code
    for name, code in (gateway.get("extraConfig") or {}).items():
        yield f"daskhub.dask-gateway.gateway.extraConfig.{name}", code
    for name in ("pre_spawn_hook.py", "server_events.py"):
        hub_file = chart_dir / "files/hub" / name
        if hub_file.exists():
            yield str(hub_file), hub_file.read_text(encoding="utf-8")


# Syntax errors the hub would only raise at start-up, caught here instead.
def compile_error(name, code):
    try:
        compile(code, name, "exec")
    except SyntaxError as error:
        return f"line {error.lineno}: {error.msg}"
    return None


# An empty values file is valid for helm; treat it as no values.
def load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def main(chart_dir, infra_example, merged_out_dir):
    chart_dir = Path(chart_dir)
    defaults = load_yaml(chart_dir / "values.yaml")
    env_files = sorted(chart_dir.glob("values-*.yaml"))
    report(bool(env_files), "values-<env>.yaml files exist", ", ".join(p.name for p in env_files))
    for path in [chart_dir / "values.yaml", *env_files, Path(infra_example)]:
        found = secrets_in(load_yaml(path))
        report(not found, f"no secret values in {path}", ", ".join(found))

    infra = load_yaml(infra_example)
    for env_file in env_files:
        merged = helm_merge(helm_merge(defaults, load_yaml(env_file)), infra)
        env_name = env_file.stem.removeprefix("values-")
        (Path(merged_out_dir) / f"{env_name}.json").write_text(json.dumps(merged), "utf-8")
        for name, code in python_snippets(merged, chart_dir):
            error = compile_error(name, code)
            report(error is None, f"{env_file.name}: {name} compiles", error or "")

    return exit_status("value")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
