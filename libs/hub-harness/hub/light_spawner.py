"""A spawner for scale tests: every server is the one shared HTTP server the harness runs.

Starting hundreds of real notebook servers does not fit on two cores, so each
"server" is only a route to that shared process. The hub still does everything
it does for a real spawn (tokens, proxy routes, readiness checks, state in the
database), which is what the tests exercise.
"""

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

    def load_state(self, state):
        super().load_state(state)
        self.started_url = state.get("light_url", "")

    def get_state(self):
        state = super().get_state()
        if self.started_url:
            state["light_url"] = self.started_url
        return state

    def clear_state(self):
        super().clear_state()
        self.started_url = ""

    async def start(self):
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
