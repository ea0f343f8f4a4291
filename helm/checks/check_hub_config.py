"""Runs the hub's extraConfig snippets as the jupyterhub chart runs them; check-chart.sh uses it.

usage: check_hub_config.py CHART_DIR MERGED_VALUES_JSON...

Run with the JupyterHub 5.5 venv's Python (traitlets, tornado, jinja2 as in the hub image).
For each deployment's merged values (written by check_values.py) it sets the hub's plain
extraEnv, maps the hub's ConfigMap mounts onto the chart's files/hub, execs every
hub.extraConfig snippet in key order against a traitlets Config, and checks the outcome:
the pre_spawn_hook from the chart's file is installed, so is the server events handler, the
profile images are applied, and the custom templates on templatePaths parse and extend
templates that exist. It also loads custom_scopes and every hub.loadRoles role with
JupyterHub's own code (an unknown scope or a bad name would stop the hub at start) and checks
that each role's services are registered.
Prints one line per check; exits 1 when anything failed.
"""

import inspect
import json
import os
import sys
import types
from pathlib import Path

import jinja2
from jupyterhub import orm, roles, scopes
from jupyterhub._data import DATA_FILES_PATH
from traitlets.config import Config

# The shared reporter lives in scripts/checks; this script runs as `python <path>`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "checks"))
from check_report import exit_status, report  # noqa: E402

# Importing the chart's hook must not leave a __pycache__ in the chart's files.
sys.dont_write_bytecode = True


# z2jh's get_config: a dotted path into the jupyterhub chart's values.
def make_get_config(jupyterhub_values):
    def get_config(key, default=None):
        node = jupyterhub_values
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    return get_config


# Where each of our ConfigMaps is mounted in the hub, mapped to the chart folder it comes from.
def mount_map(values, chart_dir):
    hub = values["daskhub"]["jupyterhub"]["hub"]
    sources = {
        values["hub"]["filesConfigMap"]["hook"]: chart_dir / "files/hub",
        values["hub"]["filesConfigMap"]["templates"]: chart_dir / "files/hub/templates",
    }
    volume_sources = {
        volume["name"]: sources[volume["configMap"]["name"]]
        for volume in hub.get("extraVolumes", [])
        if volume.get("configMap", {}).get("name") in sources
    }
    return {
        mount["mountPath"].rstrip("/"): volume_sources[mount["name"]]
        for mount in hub.get("extraVolumeMounts", [])
        if mount["name"] in volume_sources
    }


# Rewrites the hub's mount paths in a snippet to the chart's files they would hold.
def localize(text, mounts):
    for mount_path, local in sorted(mounts.items(), key=lambda item: -len(item[0])):
        text = text.replace(mount_path, str(local))
    return text


# The hub's env as the pod gets it; Secret-backed values get a stand-in (never a real secret).
def set_hub_env(hub):
    for name, value in (hub.get("extraEnv") or {}).items():
        os.environ[name] = value if isinstance(value, str) else "value-from-a-kubernetes-secret"


# The z2jh hub config runs snippets with `c` and get_config in scope, in sorted key order.
def run_extra_config(values, mounts, label):
    jupyterhub_values = values["daskhub"]["jupyterhub"]
    get_config = make_get_config(jupyterhub_values)
    sys.modules["z2jh"] = types.SimpleNamespace(get_config=get_config)
    c = Config()
    c.KubeSpawner.profile_list = jupyterhub_values.get("singleuser", {}).get("profileList", [])
    for name, code in sorted((jupyterhub_values["hub"].get("extraConfig") or {}).items()):
        try:
            exec(compile(localize(code, mounts), name, "exec"), {"c": c, "get_config": get_config})
        except Exception as error:
            report(False, f"{label}: extraConfig {name} runs", f"{type(error).__name__}: {error}")
        else:
            report(True, f"{label}: extraConfig {name} runs")
    return c


# The hook must be the chart file's coroutine, as the spawner awaits it.
def check_hook(c, label):
    hook = c.KubeSpawner.get("pre_spawn_hook")
    ok = inspect.iscoroutinefunction(hook) and hook.__name__ == "pre_spawn_hook"
    report(ok, f"{label}: KubeSpawner.pre_spawn_hook is the chart's async pre_spawn_hook")


# The server events handler must be the chart file's, on the event logger (its sender does not
# start here: no event loop runs).
def check_server_events(c, label):
    handlers = c.EventLogger.get("handlers", [])
    ok = [type(h).__name__ for h in handlers] == ["ServerEventHandler"]
    report(ok, f"{label}: EventLogger.handlers holds the chart's ServerEventHandler")


# custom.profileImages must land in the profiles that users pick.
def check_profile_images(c, values, label):
    images = values["daskhub"]["jupyterhub"].get("custom", {}).get("profileImages") or {}
    by_slug = {p.get("slug"): p for p in c.KubeSpawner.profile_list}
    wrong = [
        slug
        for slug, image in images.items()
        if by_slug.get(slug, {}).get("kubespawner_override", {}).get("image") != image
    ]
    report(not wrong, f"{label}: profile images applied ({len(images)})", ", ".join(wrong))


# JupyterHub's loader: our template dirs first, its own under the "templates/" prefix.
def template_environment(paths):
    default = Path(DATA_FILES_PATH) / "templates"
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(p) for p in paths]),
            jinja2.PrefixLoader({"templates": jinja2.FileSystemLoader(str(default))}),
            jinja2.FileSystemLoader(str(default)),
        ]
    )
    return jinja2.Environment(loader=loader)


# Templates parse, and every template they extend resolves through the hub's loader.
def check_templates(values, mounts, label):
    paths = [Path(localize(p, mounts)) for p in values["daskhub"]["jupyterhub"]["hub"]["templatePaths"]]
    missing = [str(p) for p in paths if not p.is_dir()]
    report(not missing, f"{label}: hub.templatePaths are mounted chart folders", ", ".join(missing))
    env = template_environment([p for p in paths if p.is_dir()])
    for path in sorted(p for d in paths if d.is_dir() for p in d.glob("*.html")):
        try:
            source = path.read_text(encoding="utf-8")
            parsed = env.parse(source)
            for node in parsed.find_all(jinja2.nodes.Extends):
                env.get_template(node.template.value)
            env.get_template(path.name)
        except jinja2.TemplateError as error:
            report(False, f"{label}: template {path.name} parses", str(error))
        else:
            report(True, f"{label}: template {path.name} parses")


# What the hub does at start with custom_scopes and load_roles, on an in-memory database.
def check_roles(values, label):
    hub = values["daskhub"]["jupyterhub"]["hub"]
    custom = hub.get("config", {}).get("JupyterHub", {}).get("custom_scopes", {})
    saved = dict(scopes.scope_definitions)
    db = orm.new_session_factory("sqlite://")()
    try:
        scopes.define_custom_scopes(custom)
        report(True, f"{label}: JupyterHub accepts custom_scopes", ", ".join(sorted(custom)))
        for name, role in sorted((hub.get("loadRoles") or {}).items()):
            spec = {k: role[k] for k in ("description", "scopes") if k in role}
            roles.create_role(db, {"name": role.get("name", name), **spec})
            unknown = sorted(set(role.get("services", [])) - set(hub.get("services") or {}))
            what = f"{label}: role {name} loads, its services are registered"
            report(not unknown, what, ", ".join(unknown))
    except Exception as error:  # JupyterHub raises ValueError, KeyError and its own errors
        what = f"{label}: JupyterHub accepts custom_scopes and loadRoles"
        report(False, what, f"{type(error).__name__}: {error}")
    finally:
        db.close()
        scopes.scope_definitions.clear()
        scopes.scope_definitions.update(saved)


def main(chart_dir, *merged_files):
    chart_dir = Path(chart_dir).resolve()
    for merged_file in merged_files:
        label = Path(merged_file).stem
        values = json.loads(Path(merged_file).read_text(encoding="utf-8"))
        mounts = mount_map(values, chart_dir)
        report(len(mounts) == 2, f"{label}: the hub mounts the hook and templates ConfigMaps")
        set_hub_env(values["daskhub"]["jupyterhub"]["hub"])
        c = run_extra_config(values, mounts, label)
        check_hook(c, label)
        check_server_events(c, label)
        check_profile_images(c, values, label)
        check_templates(values, mounts, label)
        check_roles(values, label)
        sys.modules.pop("pchub_pre_spawn_hook", None)
        sys.modules.pop("pchub_server_events", None)
    return exit_status("hub config")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
