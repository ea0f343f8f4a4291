"""JupyterHub pre_spawn_hook: put the user's Planetary Computer subscription key into the
environment of the server being spawned, by asking the spawn-webhook service
(docs/contracts.md#the-hubs-pre_spawn_hook).

The original hook called pc-id and Azure with blocking clients inside the hub's event loop;
this one makes asynchronous calls with tornado's client (already in the hub image; z2jh's hub
config makes it the curl client) under one deadline, so a slow or broken upstream never stalls
the hub, and a webhook restarting under it costs no key.

Settings, read from the hub's environment when this file is loaded (a bad value stops the
hub at start with one line naming the variable, never repeating its value):

- SPAWN_WEBHOOK_URL: the webhook's base URL ending in "/" (the route is appended) or the
  full URL of its spawn-environment route.
- SPAWN_WEBHOOK_TOKEN: a hub service token holding custom:spawn-environment:read.
- SPAWN_WEBHOOK_TIMEOUT_SECONDS: deadline of the whole call, retries included (default 5).
- SPAWN_WEBHOOK_FAIL_CLOSED: true/false/1/0 (default false). When false, a failed call is
  logged and the server starts without the key; when true, the spawn fails with a message
  the user can act on.
- SPAWN_ENV_VAR_NAME: the one variable the hook sets (default PC_SDK_SUBSCRIPTION_KEY), the
  same setting as the webhook's; any other name in an answer is dropped.

Load it from the hub config as a module (so its globals outlive the config file) and set
``c.Spawner.pre_spawn_hook = module.pre_spawn_hook``; exec'ing it works too.
"""

import asyncio
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

# A restarting webhook (or a proxy in front of one) refuses or resets connections, or answers
# 502/503, for a second or two: asked again after a short pause, it answers. The pause doubles
# from the first to the last, always inside SPAWN_WEBHOOK_TIMEOUT_SECONDS.
RETRY_STATUSES = frozenset({502, 503})
FIRST_PAUSE_SECONDS = 0.1
LAST_PAUSE_SECONDS = 1.0

# What a failed fetch is logged as: a fixed phrase per kind, never the exception's text (tornado
# quotes a bad header line, Authorization included, in its errors). Curl's error numbers
# (CURLE_*), for the curl client the hub runs under z2jh.
_CURL_FAILURES = {
    7: "connection refused",  # COULDNT_CONNECT
    28: "timed out",  # OPERATION_TIMEDOUT
    52: "connection closed without an answer",  # GOT_NOTHING
    55: "connection reset",  # SEND_ERROR
    56: "connection reset",  # RECV_ERROR
}
# The simple client's, by exception class (a closed stream is tornado's StreamClosedError).
_SIMPLE_FAILURES = {
    "ConnectionRefusedError": "connection refused",
    "ConnectionResetError": "connection reset",
    "BrokenPipeError": "connection reset",
    "StreamClosedError": "connection closed without an answer",
    "HTTPTimeoutError": "timed out",
    "TimeoutError": "timed out",
}
# Failures a restart causes, worth another attempt.
_RETRIED_FAILURES = frozenset(
    {"connection refused", "connection reset", "connection closed without an answer"}
)

# Only an error code of this shape from the webhook is echoed into the hub's log.
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
# What a POSIX shell and the spawners accept as a variable name (the webhook's rule too).
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A hub API token is visible ASCII; a Secret made from a file often ends in a newline.
_TOKEN = re.compile(r"[\x21-\x7e]+")
# A key is sent as one environment value: no control characters, NUL included.
_KEY_VALUE = re.compile(r"[^\x00-\x1f\x7f]+")
_FLAGS = {"true": True, "1": True, "false": False, "0": False}
# Dropped names listed in a warning: at most this many, each at most this long.
_MAX_LISTED_NAMES = 20
_MAX_LISTED_NAME_LENGTH = 64


class SpawnWebhookSettings:
    """The validated settings; constructing it raises ValueError naming a bad variable."""

    def __init__(self, environ):
        self.url = _webhook_url(environ.get("SPAWN_WEBHOOK_URL", ""))
        self.token = _token(environ.get("SPAWN_WEBHOOK_TOKEN", ""))
        self.timeout = _positive_seconds(environ.get("SPAWN_WEBHOOK_TIMEOUT_SECONDS", "5"))
        self.fail_closed = _flag(environ.get("SPAWN_WEBHOOK_FAIL_CLOSED", "false"))
        self.variable = _variable_name(
            environ.get("SPAWN_ENV_VAR_NAME", "PC_SDK_SUBSCRIPTION_KEY")
        )


def _webhook_url(value):
    """The route's URL: a base URL ending in '/' gets the route appended."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            "SPAWN_WEBHOOK_URL: must be an http(s) URL without query, e.g. "
            "http://spawn-webhook:8000/services/spawn-webhook/"
        )
    return value + ROUTE if value.endswith("/") else value


def _token(value):
    """The token as it is sent: checked here, since a bad header fails every spawn later."""
    if not value.strip():
        raise ValueError("SPAWN_WEBHOOK_TOKEN: must be set to a hub API token")
    if not _TOKEN.fullmatch(value):
        raise ValueError(
            "SPAWN_WEBHOOK_TOKEN: must be one hub API token without whitespace or control "
            "characters (a Secret made from a file may end in a newline)"
        )
    return value


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


def _variable_name(name):
    """The webhook's rule for SPAWN_ENV_VAR_NAME: a name a shell and the spawners accept."""
    if not _VARIABLE_NAME.fullmatch(name):
        raise ValueError(
            "SPAWN_ENV_VAR_NAME: must be letters, digits and _, not starting with a digit"
        )
    return name


def _load_settings(environ):
    """The settings, or a stop of the hub with one line naming the bad variable."""
    try:
        return SpawnWebhookSettings(environ)
    except ValueError as error:
        # SystemExit passes the hub's config loader untouched: one line, no traceback (which
        # would also quote this file's source around the failing check).
        raise SystemExit(f"pre_spawn_hook: {error}") from None


SETTINGS = _load_settings(os.environ)

_client = None


def _http_client():
    """Our own client, created on first use inside the hub's running event loop."""
    global _client
    if _client is None:
        _client = AsyncHTTPClient(force_instance=True, max_clients=MAX_CLIENTS)
    return _client


class _WebhookFailure(Exception):
    """The webhook gave no usable answer; the message is for the hub's log."""


class _Retry(_WebhookFailure):
    """A failure a restarting webhook causes; worth another attempt while time is left."""


async def pre_spawn_hook(spawner):
    """Sets the key variable on the spawner; fails open unless fail-closed is set."""
    settings = SETTINGS
    log = spawner.log
    who = f"{spawner.user.name}'s server {spawner.name or '(default)'}"
    try:
        key = await _fetch_key(settings, spawner, who)
    except _WebhookFailure as failure:
        if settings.fail_closed:
            log.error("spawn webhook failed for %s: %s; not starting it (fail-closed)", who, failure)
            raise web.HTTPError(503, USER_MESSAGE) from None
        log.warning("spawn webhook failed for %s: %s; starting it without the key", who, failure)
        return
    if key is None:
        log.info("spawn webhook has no subscription key for %s; starting it without one", who)
        return
    spawner.environment[settings.variable] = key
    # The name only: the value is a secret.
    log.info("spawn webhook set %s for %s", settings.variable, who)


async def _fetch_key(settings, spawner, who):
    """The key, None when the user has none (404), else _WebhookFailure; within the timeout."""
    try:
        return await asyncio.wait_for(
            _ask_until_answered(settings, spawner, who), timeout=settings.timeout
        )
    except asyncio.TimeoutError:
        raise _WebhookFailure(f"no answer within {settings.timeout:g} s") from None


async def _ask_until_answered(settings, spawner, who):
    """Asks again after a refused or reset connection or a 502/503, pausing a little longer
    each time; the caller's timeout ends it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.timeout
    pause = FIRST_PAUSE_SECONDS
    attempt = 1
    while True:
        try:
            return await _ask(settings, spawner, who, max(deadline - loop.time(), 0.001))
        except _Retry as retry:
            if loop.time() + pause >= deadline:
                raise _WebhookFailure(f"{retry} ({attempt} attempts)") from None
        await asyncio.sleep(pause)
        pause = min(pause * 2, LAST_PAUSE_SECONDS)
        attempt += 1


async def _ask(settings, spawner, who, seconds_left):
    """One POST to the webhook: the key, None on 404, _Retry or _WebhookFailure."""
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
        connect_timeout=seconds_left,
        request_timeout=seconds_left,
        follow_redirects=False,
        prepare_curl_callback=_without_header_trace,
    )
    try:
        response = await _http_client().fetch(request, raise_error=False)
    except Exception as error:
        failure = _failure_of(error)
        if failure in _RETRIED_FAILURES:
            raise _Retry(f"no answer ({failure})") from None
        raise _WebhookFailure(f"no answer ({failure})") from None
    if response.code == 200:
        return _key_of(response.body, settings.variable, spawner.log, who)
    if response.code == 404:
        return None
    answer = f"answered {response.code}{_error_code_suffix(response.body)}"
    if response.code in RETRY_STATUSES:
        raise _Retry(answer)
    raise _WebhookFailure(answer)


def _without_header_trace(curl):
    """Curl's debug trace off for our requests: with the hub's debug logging on, tornado logs
    every header curl sends, Authorization included (the simple client ignores this)."""
    curl.setopt(curl.VERBOSE, 0)


def _failure_of(error):
    """A fixed phrase for a failed fetch; never the exception's own text."""
    errno = getattr(error, "errno", None)
    if type(error).__name__ == "CurlError" and errno in _CURL_FAILURES:
        return _CURL_FAILURES[errno]
    if type(error).__name__ == "CurlError":
        return f"curl error {errno}" if isinstance(errno, int) else "curl error"
    return _SIMPLE_FAILURES.get(type(error).__name__, type(error).__name__)


def _key_of(raw, variable, log, who):
    """The configured variable's value in a 200 answer; other names are dropped, by name."""
    try:
        environment = json.loads(raw)["environment"]
    except (ValueError, TypeError, KeyError):
        raise _WebhookFailure("answered 200 without an environment object") from None
    if not isinstance(environment, dict):
        raise _WebhookFailure("answered 200 without an environment object")
    others = sorted(name for name in environment if name != variable)
    if others:
        log.warning(
            "spawn webhook answered variables other than %s for %s; dropped: %s",
            variable,
            who,
            _listed_names(others),
        )
    key = environment.get(variable)
    if not isinstance(key, str) or not _KEY_VALUE.fullmatch(key):
        raise _WebhookFailure(f"answered 200 without a usable {variable}")
    return key


def _listed_names(names):
    """Names for a log line: variable-shaped ones, shortened and capped; never a value."""
    shown = [
        name[:_MAX_LISTED_NAME_LENGTH]
        for name in names
        if isinstance(name, str) and _VARIABLE_NAME.fullmatch(name)
    ][:_MAX_LISTED_NAMES]
    rest = len(names) - len(shown)
    return ", ".join(shown + ([f"and {rest} more"] if rest else []))


def _error_code_suffix(raw):
    """' (<code>)' from a JSON error body, when it carries a plain snake_case code."""
    try:
        code = json.loads(raw)["error"]["code"]
    except (ValueError, TypeError, KeyError):
        return ""
    return f" ({code})" if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else ""
