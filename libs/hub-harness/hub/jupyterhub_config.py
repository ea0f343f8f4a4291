"""JupyterHub config of the e2e harness.

The harness (libs/hub-harness/src) writes a JSON spec and points PCHUB_E2E_SPEC at it, so this
one file serves every test hub and stays plain Python the hub loads as usual.
"""

import importlib.util
import json
import os
import sys

c = get_config()  # noqa: F821 (injected by traitlets when it loads this file)

with open(os.environ["PCHUB_E2E_SPEC"], encoding="utf-8") as spec_file:
    spec = json.load(spec_file)

if spec["http_client"] == "curl":
    # As z2jh's hub config does: every HTTP call of the hub, the pre_spawn_hook's included,
    # goes through tornado's curl client (pycurl, from the hub image's requirements).
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure("tornado.curl_httpclient.CurlAsyncHTTPClient")

ip = spec["ip"]
c.JupyterHub.bind_url = f"http://{ip}:{spec['public_port']}/"
c.JupyterHub.hub_bind_url = f"http://{ip}:{spec['hub_port']}"
c.JupyterHub.db_url = spec["db_url"]
c.JupyterHub.cookie_secret = bytes.fromhex(spec["cookie_secret_hex"])
c.JupyterHub.pid_file = os.path.join(spec["data_dir"], "jupyterhub.pid")

# The harness runs the proxy itself (as z2jh runs it in its own pod), so routes
# to servers and services keep working while the hub restarts.
c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = f"http://{ip}:{spec['proxy_api_port']}"

# A hub restart must leave servers running so tests see them survive it.
c.JupyterHub.cleanup_servers = False

c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True

c.JupyterHub.concurrent_spawn_limit = 1000
c.JupyterHub.active_server_limit = 0
c.JupyterHub.allow_named_servers = True
c.JupyterHub.named_server_limit_per_user = 0
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120
# api_page_max_limit stays at its default (200): the pagination tests rely on it.

c.JupyterHub.custom_scopes = {
    "custom:spawn-environment:read": {
        "description": "May call the spawn webhook for any user's server.",
    },
    "custom:pc-id-users:read": {
        "description": "May look up the pc-id account of any user.",
    },
    "custom:server-events:write": {
        "description": "May tell usage-monitor the hub's server starts and stops.",
    },
}

admin = spec["admin_service"]
c.JupyterHub.services = [
    {"name": admin["name"], "api_token": admin["api_token"]},
    *spec["services"],
]
c.JupyterHub.load_roles = [
    {"name": admin["name"], "scopes": admin["scopes"], "services": [admin["name"]]},
    *spec["roles"],
]

if spec["spawner"] == "light":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from light_spawner import LightSpawner

    c.JupyterHub.spawner_class = LightSpawner
    c.LightSpawner.shared_url = spec["light_server"]["url"]
    c.LightSpawner.shared_pid = spec["light_server"]["pid"]
else:
    c.JupyterHub.spawner_class = "simple"
    c.Spawner.cmd = [spec["singleuser_cmd"]]
    c.Spawner.ip = ip
    # CI containers often run as root, which jupyter-server refuses without this.
    c.Spawner.args = ["--ServerApp.allow_root=True"]
    c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(
        spec["home_root"], "{username}"
    )

if spec.get("pre_spawn_hook_file"):
    # Loaded as the chart's hub config loads it (helm/pchub/values.yaml): a module from a file.
    hook_spec = importlib.util.spec_from_file_location(
        "pchub_pre_spawn_hook", spec["pre_spawn_hook_file"]
    )
    hook_module = importlib.util.module_from_spec(hook_spec)
    hook_spec.loader.exec_module(hook_module)
    c.Spawner.pre_spawn_hook = hook_module.pre_spawn_hook

if spec.get("extra_config"):
    exec(compile(spec["extra_config"], "<extraConfig>", "exec"), {"c": c})

# Last, so extraConfig cannot drop it: the harness finds notebook servers by this variable.
marker = spec["marker"]
c.Spawner.environment.update({marker["name"]: marker["value"]})
