"""A pre_spawn_hook in the original's style, for the benchmark only: the same webhook call
as helm/pchub/files/hub/pre_spawn_hook.py, but with a blocking HTTP client (the original used
`requests` and the synchronous Azure SDK) and no timeout, so the hub's event loop stops while
the upstream thinks. Never deploy this.
"""

import json
import os
import urllib.error
import urllib.request

_URL = os.environ["SPAWN_WEBHOOK_URL"]
_URL = _URL + "api/v1/spawn-environment" if _URL.endswith("/") else _URL
_TOKEN = os.environ["SPAWN_WEBHOOK_TOKEN"]


def pre_spawn_hook(spawner):
    body = {"user": spawner.user.name, "server_name": spawner.name or "", "user_options": {}}
    request = urllib.request.Request(
        _URL,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"token {_TOKEN}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request) as response:
            spawner.environment.update(json.load(response)["environment"])
    except urllib.error.HTTPError:
        pass
