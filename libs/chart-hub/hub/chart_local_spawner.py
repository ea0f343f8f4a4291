"""ChartLocalSpawner: KubeSpawner as the chart configures it, with a local process for the pod.

A stand-in for what cannot exist here (a Kubernetes cluster), used by @pchub/chart-hub. It is
KubeSpawner itself (jupyterhub-kubespawner from the hub image's requirements), so everything the
chart sets on ``c.KubeSpawner`` applies unchanged: the pre_spawn_hook, the environment, the
profile list and its form, ``user_options`` and the profile overrides, the pod manifest. Only
what talks to Kubernetes is replaced (and KubeSpawner's client is left unconfigured): instead of creating the pod, ``start`` writes the pod
manifest KubeSpawner built to ``<pods dir>/<pod name>.json`` and runs ``jupyterhub-singleuser``
as a local process with the pod's environment, on a free loopback port, from the user-server
venv (the stand-in for the profile's image), then the pod's postStart hook as the kubelet would.
Its log says what of the pod it does not apply.

Settings (environment of the hub):
- CHART_LOCAL_SERVER_BIN: bin/ of the venv whose jupyterhub-singleuser stands in for the image.
- CHART_LOCAL_HOME: directory under which each user gets a home directory.
- CHART_LOCAL_PODS: directory the pod manifests are written to.
- CHART_LOCAL_KEEP: comma-separated names of hub variables every server also gets (the
  harness marker), as an image's own environment would.
"""

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from jupyterhub.spawner import Spawner
from jupyterhub.utils import random_port
import kubespawner.spawner
from kubernetes_asyncio.client import ApiClient
from kubespawner import KubeSpawner

# The kubelet gives a postStart hook as long as the container's grace period; a bound here too.
POST_START_TIMEOUT = 120

# What a pod spec holds that a local process cannot honour; named in the log at each start.
NOT_APPLIED = (
    "image",
    "resources (cpu/memory guarantees and limits, extra resource limits)",
    "volumes and volume mounts",
    "node affinity, tolerations, priority class",
    "security context (uid; the server runs as the hub's user)",
)

# There is no cluster to configure a client for (KubeSpawner does it in __init__, from the pod's
# service account or a kubeconfig); ChartLocalSpawner never calls the Kubernetes API.
kubespawner.spawner.load_config = lambda **_settings: None


class ChartLocalSpawner(KubeSpawner):
    """KubeSpawner whose pod is a local jupyterhub-singleuser process."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pid = 0
        self._process = None

    async def start(self):
        # As KubeSpawner's own start does first: the picked profile's overrides.
        await self.load_user_options()
        self.ip = "127.0.0.1"
        self.port = random_port()
        manifest = await self.get_pod_manifest()
        self._write_manifest(manifest)
        home = Path(os.environ["CHART_LOCAL_HOME"]) / self.pod_name
        home.mkdir(parents=True, exist_ok=True)
        env = {**self.get_env(), **self._image_env(home)}
        command = [*self.cmd, *self.get_args(), *_as_root_args()]
        self.log.info(
            "chart-local: running %s for pod %s (profile image %s) instead of creating the pod;"
            " not applied: %s",
            command, self.pod_name, self.image, "; ".join(NOT_APPLIED),
        )
        self._process = await _spawn(command, env, home)
        self.pid = self._process.pid
        await self._post_start(env, home)
        return f"http://127.0.0.1:{self.port}"

    # As the kubelet does: the container counts as running only once its postStart hook has
    # finished, and a hook that fails gets the container killed.
    async def _post_start(self, env, home):
        command = (self.lifecycle_hooks or {}).get("postStart", {}).get("exec", {}).get("command")
        if not command:
            return
        hook = await asyncio.create_subprocess_exec(
            *command, env=env, cwd=str(home),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        try:
            output, _ = await asyncio.wait_for(hook.communicate(), POST_START_TIMEOUT)
        except asyncio.TimeoutError:
            hook.kill()
            output = b"(timed out)"
        self.log.info("chart-local: postStart %s of %s said:\n%s", command, self.pod_name,
                      output.decode(errors="replace"))
        if hook.returncode != 0:
            await self.stop(now=True)
            raise RuntimeError(f"postStart hook {command} failed ({hook.returncode})")

    async def poll(self):
        if not self.pid:
            return 0
        if self._process is not None and self._process.returncode is not None:
            return self._process.returncode
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return 0
        return None

    async def stop(self, now=False):
        if await self.poll() is not None:
            return
        _signal_group(self.pid, signal.SIGTERM)
        for _ in range(100):
            if await self.poll() is not None:
                return
            await asyncio.sleep(0.1)
        _signal_group(self.pid, signal.SIGKILL)

    # Kubernetes events have no local counterpart: the hub's generic progress messages remain.
    progress = Spawner.progress

    async def delete_forever(self):
        """Nothing to delete: no PVC was ever created."""

    def get_state(self):
        return {**super().get_state(), "pid": self.pid}

    def load_state(self, state):
        super().load_state(state)
        self.pid = state.get("pid", 0)

    def clear_state(self):
        super().clear_state()
        self.pid = 0
        self._process = None

    # What the profile's image would bring: PATH with jupyterhub-singleuser, HOME, a locale, and
    # the conda prefix the image's hooks write to (a directory of the pod's own here).
    def _image_env(self, home):
        keep = [name for name in os.environ.get("CHART_LOCAL_KEEP", "").split(",") if name]
        prefix = Path(os.environ["CHART_LOCAL_PODS"]) / f"{self.pod_name}.image-prefix"
        prefix.mkdir(parents=True, exist_ok=True)
        return {
            "PATH": f"{os.environ['CHART_LOCAL_SERVER_BIN']}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "NB_PYTHON_PREFIX": str(prefix),
            **{name: os.environ[name] for name in keep if name in os.environ},
        }

    def _write_manifest(self, manifest):
        pods = Path(os.environ["CHART_LOCAL_PODS"])
        pods.mkdir(parents=True, exist_ok=True)
        body = ApiClient().sanitize_for_serialization(manifest)
        (pods / f"{self.pod_name}.json").write_text(json.dumps(body, indent=1), encoding="utf-8")


# The pod runs as the chart's uid; here the hub runs as root, and so does the server, which
# jupyter-server refuses unless told.
def _as_root_args():
    return ["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []


# The server leads its own process group (as a pod is its own world), so stop reaches its children.
async def _spawn(command, env, cwd):
    return await asyncio.create_subprocess_exec(
        *command, env=env, cwd=str(cwd), start_new_session=True,
        stdout=sys.stdout, stderr=sys.stderr,
    )


def _signal_group(pid, sig):
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
