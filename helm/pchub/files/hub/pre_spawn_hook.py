"""JupyterHub pre_spawn_hook: put the user's Planetary Computer subscription key into the
environment of the server being spawned, by asking the spawn-webhook service
(docs/contracts.md#the-hubs-pre_spawn_hook).

The original hook called pc-id and Azure with blocking clients inside the hub's event loop;
this one makes one asynchronous call with tornado's client (already in the hub image) under
a deadline, so a slow or broken upstream never stalls the hub.

Settings, read from the hub's environment when this file is loaded (a bad value stops the
hub at start with a message naming the variable):

- SPAWN_WEBHOOK_URL: the webhook's base URL ending in "/" (the route is appended) or the
  full URL of its spawn-environment route.
- SPAWN_WEBHOOK_TOKEN: a hub service token holding custom:spawn-environment:read.
- SPAWN_WEBHOOK_TIMEOUT_SECONDS: deadline of the whole call (default 5).
- SPAWN_WEBHOOK_FAIL_CLOSED: true/false/1/0 (default false). When false, a failed call is
  logged and the server starts without the key; when true, the spawn fails with a message
  the user can act on.

Load it from the hub config as a module (so its globals outlive the config file) and set
``c.Spawner.pre_spawn_hook = module.pre_spawn_hook``; exec'ing it works too.
"""

import json
import math
import os
import re
from urllib.parse import urlsplit

from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

ROUTE = "api/v1/spawn-environment"

# The hub's default concurrent_spawn_limit: one connection per spawn that may be waiting,
# in a client of our own, so hook calls and the hub's own calls (proxy API) never queue
# behind each other.
MAX_CLIENTS = 100

# Shown to the user when fail-closed stops a spawn (no '%': tornado formats log_message).
USER_MESSAGE = (
    "Your server was not started because your Planetary Computer API subscription key "
    "could not be loaded just now. Please try again in a few minutes; if this keeps "
    "happening, contact the hub administrators."
)

# Only an error code of this shape from the webhook is echoed into the hub's log.
_ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_FLAGS = {"true": True, "1": True, "false": False, "0": False}


class SpawnWebhookSettings:
    """The validated settings; constructing it raises ValueError naming a bad variable."""

    def __init__(self, environ):
        self.url = _webhook_url(environ.get("SPAWN_WEBHOOK_URL", ""))
        self.token = environ.get("SPAWN_WEBHOOK_TOKEN", "")
        if not self.token.strip():
            raise ValueError("SPAWN_WEBHOOK_TOKEN: must be set to a hub API token")
        self.timeout = _positive_seconds(environ.get("SPAWN_WEBHOOK_TIMEOUT_SECONDS", "5"))
        self.fail_closed = _flag(environ.get("SPAWN_WEBHOOK_FAIL_CLOSED", "false"))


def _webhook_url(value):
    """The route's URL: a base URL ending in '/' gets the route appended."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            "SPAWN_WEBHOOK_URL: must be an http(s) URL without query, e.g. "
            "http://spawn-webhook:8000/services/spawn-webhook/"
        )
    return value + ROUTE if value.endswith("/") else value


def _positive_seconds(value):
    """Seconds as a finite positive number (tornado takes fractional timeouts)."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError("SPAWN_WEBHOOK_TIMEOUT_SECONDS: must be a positive number of seconds")
    return seconds


def _flag(value):
    """The same flag spelling as the services' settings (true|false|1|0)."""
    flag = _FLAGS.get(value.strip().lower())
    if flag is None:
        raise ValueError("SPAWN_WEBHOOK_FAIL_CLOSED: must be true, false, 1 or 0")
    return flag


SETTINGS = SpawnWebhookSettings(os.environ)

_client = None


def _http_client():
    """Our own client, created on first use inside the hub's running event loop."""
    global _client
    if _client is None:
        _client = AsyncHTTPClient(force_instance=True, max_clients=MAX_CLIENTS)
    return _client


class _WebhookFailure(Exception):
    """The webhook gave no usable answer; the message is for the hub's log."""


async def pre_spawn_hook(spawner):
    """Adds the webhook's environment to the spawner; fails open unless fail-closed is set."""
    settings = SETTINGS
    log = spawner.log
    who = f"{spawner.user.name}'s server {spawner.name or '(default)'}"
    try:
        environment = await _fetch_environment(settings, spawner)
    except _WebhookFailure as failure:
        if settings.fail_closed:
            log.error("spawn webhook failed for %s: %s; not starting it (fail-closed)", who, failure)
            raise web.HTTPError(503, USER_MESSAGE) from None
        log.warning("spawn webhook failed for %s: %s; starting it without the key", who, failure)
        return
    if environment is None:
        log.info("spawn webhook has no subscription key for %s; starting it without one", who)
        return
    spawner.environment.update(environment)
    # Names only: the values are secrets.
    log.info("spawn webhook set %s for %s", ", ".join(sorted(environment)), who)


async def _fetch_environment(settings, spawner):
    """The environment to add, None when the user has no key (404), else _WebhookFailure."""
    body = {
        "user": spawner.user.name,
        "server_name": spawner.name or "",
        "user_options": spawner.user_options or {},
    }
    request = HTTPRequest(
        settings.url,
        method="POST",
        headers={
            "Authorization": f"token {settings.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        # default=str: options from a form may hold values JSON cannot encode directly.
        body=json.dumps(body, default=str),
        connect_timeout=settings.timeout,
        request_timeout=settings.timeout,
        follow_redirects=False,
    )
    try:
        response = await _http_client().fetch(request, raise_error=False)
    # Timeouts, refused connections and resets alike: all mean no usable answer.
    except Exception as error:
        raise _WebhookFailure(f"no answer ({type(error).__name__}: {error})") from None
    if response.code == 200:
        return _environment_of(response.body)
    if response.code == 404:
        return None
    raise _WebhookFailure(f"answered {response.code}{_error_code_suffix(response.body)}")


def _environment_of(raw):
    """The `environment` object of a 200 answer, checked to be string-to-string."""
    try:
        environment = json.loads(raw)["environment"]
    except (ValueError, TypeError, KeyError):
        raise _WebhookFailure("answered 200 without an environment object") from None
    if not isinstance(environment, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in environment.items()
    ):
        raise _WebhookFailure("answered 200 with an environment that is not strings") from None
    return environment


def _error_code_suffix(raw):
    """' (<code>)' from a JSON error body, when it carries a plain snake_case code."""
    try:
        code = json.loads(raw)["error"]["code"]
    except (ValueError, TypeError, KeyError):
        return ""
    return f" ({code})" if isinstance(code, str) and _ERROR_CODE.match(code) else ""
