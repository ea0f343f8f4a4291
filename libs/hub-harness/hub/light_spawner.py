"""A spawner for scale tests: every server is the one shared HTTP server the harness runs.

Starting hundreds of real notebook servers does not fit on two cores, so each
"server" is only a route to that shared process. The hub still does everything
it does for a real spawn (tokens, proxy routes, readiness checks, state in the
database), which is what the tests exercise. What a real server's process would get in its environment
(the pre_spawn_hook's variable included) is kept in the state as SHA-256 digests, for tests
to compare with what they handed out without the values themselves being stored.
"""

import hashlib
import os

from jupyterhub.spawner import Spawner
from traitlets import Integer, Unicode


class LightSpawner(Spawner):
    shared_url = Unicode(
        config=True, help="URL of the shared HTTP server every server points at"
    )
    shared_pid = Integer(
        config=True, help="pid of the shared HTTP server, to tell if it is alive"
    )

    # The state marks a started server, so a restarted hub knows it is still running.
    started_url = Unicode("")
    # SHA-256 of each variable set through Spawner.environment, as the process would get it.
    env_digests = {}

    def load_state(self, state):
        super().load_state(state)
        self.started_url = state.get("light_url", "")
        self.env_digests = state.get("env_sha256", {})

    def get_state(self):
        state = super().get_state()
        if self.started_url:
            state["light_url"] = self.started_url
            state["env_sha256"] = self.env_digests
        return state

    def clear_state(self):
        super().clear_state()
        self.started_url = ""
        self.env_digests = {}

    async def start(self):
        env = self.get_env()
        self.env_digests = {
            name: hashlib.sha256(env[name].encode()).hexdigest()
            for name in self.environment
            if name in env
        }
        self.started_url = self.shared_url
        return self.shared_url

    async def stop(self, now=False):
        self.started_url = ""

    async def poll(self):
        # None means running (the Spawner contract); 0 means not started.
        if not self.started_url:
            return 0
        return None if self._shared_server_alive() else 1

    def _shared_server_alive(self):
        # Signal 0 checks for the process without touching it: cheap enough for 250+ polls.
        try:
            os.kill(self.shared_pid, 0)
        except ProcessLookupError:
            return False
        return True
