"""Hands the hub's server starts and stops to usage-monitor (docs/contracts.md#server-events),
so the monitor lists every active user only to reconcile, at a long interval, instead of every
minute: its cost to the hub follows how many servers start and stop, not how many run.

JupyterHub emits a `server-actions` event (start or stop, user and server name) through its
event logger when it has started or stopped a server. This file is a handler of that logger:
per event it notes the server's `started` and profile from the hub's own records and appends it
to a bounded queue, which a thread of its own posts to the monitor. The hub's event loop only
ever appends to that queue: a slow, failing or absent monitor never delays or fails a spawn.
A full queue drops events, which the numbering shows the monitor, and the monitor lists.

Settings, read from the hub's environment when the hub config calls server_events_handler()
(a bad value stops the hub at start with a message naming the variable, never its value):

- SERVER_EVENTS_URL: usage-monitor's base URL ending in "/" (the route is appended) or the
  full URL of its server-events route.
- SERVER_EVENTS_TOKEN: a hub service token holding custom:server-events:write.

Load it from the hub config as a module, as the pre_spawn_hook is loaded, and add its handler:

    c.EventLogger.handlers = [*c.EventLogger.get("handlers", []), module.server_events_handler()]

The events only cover what the hub itself starts and stops; a server that dies unnoticed, or
one the hub finds dead by polling it, sends none: the monitor's reconciling listing finds it.
"""

import asyncio
import collections
import json
import logging
import os
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from urllib.parse import urlsplit

ROUTE = "api/v1/server-events"
SCHEMA = "https://schema.jupyter.org/jupyterhub/events/server-action"

# Events waiting for the monitor: while it is down for minutes a busy hub queues a few hundred.
MAX_QUEUED = 10_000
# Events per POST (the monitor takes up to 1,000).
MAX_BATCH = 500
# A POST with no events this often while none happen, so the monitor knows the part is there.
HEARTBEAT_SECONDS = 30
# One POST's bound; the thread waits, never the hub.
POST_TIMEOUT_SECONDS = 10
# Retry delays after a failed POST: doubling from 1 s, at most 5 s, so events flow again within
# seconds of a monitor restart. A refused connection costs the hub next to nothing.
FIRST_RETRY_SECONDS = 1
MAX_RETRY_SECONDS = 5
# Starts remembered for their stop: the servers started since the hub started, at most this many.
MAX_REMEMBERED = 100_000

# Visible ASCII: a token with a blank or control character (a Secret made from a file ends in a
# newline) could not travel in a header.
_TOKEN = re.compile(r"[\x21-\x7e]+")
_ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

_log = logging.getLogger("JupyterHub")


class ServerEventsSettings:
    """The validated settings; constructing it raises ValueError naming a bad variable."""

    def __init__(self, environ):
        self.url = _events_url(environ.get("SERVER_EVENTS_URL", ""))
        self.token = environ.get("SERVER_EVENTS_TOKEN", "")
        if not _TOKEN.fullmatch(self.token):
            raise ValueError(
                "SERVER_EVENTS_TOKEN: must be a hub API token (visible ASCII, no blanks)"
            )


def _events_url(value):
    """The route's URL: a base URL ending in '/' gets the route appended."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            "SERVER_EVENTS_URL: must be an http(s) URL without query, e.g. "
            "http://usage-monitor:8000/services/usage-monitor/"
        )
    return value + ROUTE if value.endswith("/") else value


def server_events_handler(environ=os.environ):
    """The event logger handler; its sender starts when the hub's event loop runs this."""
    return ServerEventHandler(ServerEventsSettings(environ))


class ServerEventHandler(logging.Handler):
    """Queues the hub's server-actions events for the monitor; never raises into the hub."""

    def __init__(self, settings):
        super().__init__()
        self.outbox = Outbox(MAX_QUEUED)
        self.sender = Sender(settings, self.outbox)
        # (user, server) -> (started, profile) from the start, for its stop: by then the hub
        # has already forgotten `started`.
        self._starts = collections.OrderedDict()
        # Config checks and jupyterhub's subcommands load the config without a running event
        # loop: nothing is sent then.
        if _in_event_loop():
            self.sender.start()

    def emit(self, record):
        try:
            event = record.msg
            if not isinstance(event, dict) or event.get("__schema__") != SCHEMA:
                return
            self.outbox.put(self._describe(event, record.created))
        except Exception:
            # an event we could not describe is a lost event: the monitor will list
            self.outbox.lose()

    def _describe(self, event, created):
        """The event as the monitor takes it, with the hub's `started` and profile."""
        action = event["action"]
        user = event["username"]
        server = event["servername"]
        key = (user, server)
        if action == "start":
            facts = _server_facts(user, server)
            self._starts[key] = facts
            self._starts.move_to_end(key)
            if len(self._starts) > MAX_REMEMBERED:
                self._starts.popitem(last=False)
        else:
            facts = self._starts.pop(key, None) or (None, _server_facts(user, server)[1])
        started, profile = facts
        return {
            "action": action,
            "user": user,
            "server": server,
            "time": _isoformat(datetime.fromtimestamp(created, timezone.utc)),
            "started": started,
            "profile": profile,
        }


def _server_facts(user_name, server_name):
    """(started, profile) of a server from the hub's records; (None, None) when unknown."""
    from jupyterhub.app import JupyterHub

    if not JupyterHub.initialized():
        return None, None
    user = JupyterHub.instance().users.get(user_name)
    # a plain dict lookup: the spawners mapping creates a spawner for a missing name
    spawner = user and dict.get(user.spawners, server_name)
    if spawner is None:
        return None, None
    options = spawner.user_options if isinstance(spawner.user_options, dict) else {}
    profile = options.get("profile")
    started = spawner.orm_spawner.started
    return (
        _isoformat(started) if started else None,
        profile if isinstance(profile, str) else None,
    )


def _isoformat(moment):
    """JupyterHub's own rendering (naive means UTC), so the monitor compares equal values."""
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat() + "Z"


def _in_event_loop():
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class Outbox:
    """Bounded queue between the hub's thread (put) and the sender (take); numbers every event."""

    def __init__(self, capacity):
        self._items = collections.deque()
        self._ready = threading.Condition()
        self._capacity = capacity
        self.last_seq = 0
        self.dropped = 0

    def put(self, item):
        with self._ready:
            self.last_seq += 1
            if len(self._items) >= self._capacity:
                self.dropped += 1
                return
            item["seq"] = self.last_seq
            self._items.append(item)
            self._ready.notify()

    def lose(self):
        """Counts an event that could not even be queued; its number is skipped."""
        with self._ready:
            self.last_seq += 1
            self.dropped += 1

    def discard(self, count):
        """Counts queued events that will never be sent (their numbers leave a gap)."""
        with self._ready:
            self.dropped += count

    def take(self, limit, wait_seconds):
        """Up to `limit` events, waiting at most `wait_seconds` for one; [] when none came."""
        with self._ready:
            if not self._items and wait_seconds > 0:
                self._ready.wait(wait_seconds)
            return [self._items.popleft() for _ in range(min(limit, len(self._items)))]


class Sender(threading.Thread):
    """Posts the queue to the monitor, in order; a heartbeat when idle; retries with backoff."""

    def __init__(self, settings, outbox):
        super().__init__(name="pchub-server-events", daemon=True)
        self._settings = settings
        self._outbox = outbox
        # a new value per hub process: the monitor sees the hub restarted
        self.hub = secrets.token_hex(8)
        self._reached = False
        self._failing = None

    def run(self):
        batch = self._outbox.take(MAX_BATCH, 0)
        delay = FIRST_RETRY_SECONDS
        while True:
            outcome = self._post(batch)
            if outcome == "retry":
                time.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)
                continue
            if outcome == "refused":
                self._outbox.discard(len(batch))
            delay = FIRST_RETRY_SECONDS
            batch = self._outbox.take(MAX_BATCH, HEARTBEAT_SECONDS)

    def _post(self, batch):
        """'sent', 'refused' (the monitor will never take it) or 'retry'."""
        body = json.dumps(
            {
                "hub": self.hub,
                "heartbeat_seconds": HEARTBEAT_SECONDS,
                "dropped": self._outbox.dropped,
                "events": batch,
            }
        ).encode()
        request = urllib.request.Request(
            self._settings.url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"token {self._settings.token}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=POST_TIMEOUT_SECONDS) as response:
                response.read()
        except urllib.error.HTTPError as error:
            reason = f"HTTP {error.code}{_error_code_suffix(error)}"
            if error.code in (400, 413):
                _log.error("server events: usage-monitor refused %d events (%s)", len(batch), reason)
                return "refused"
            return self._failed(reason)
        except Exception as error:
            return self._failed(_failure_name(error))
        if not self._reached:
            _log.info("server events reach usage-monitor at %s", self._settings.url)
        elif self._failing is not None:
            _log.info("server events reach usage-monitor again")
        self._reached = True
        self._failing = None
        return "sent"

    def _failed(self, reason):
        if self._failing is None:
            _log.warning(
                "server events cannot reach usage-monitor (%s): retrying; the monitor lists "
                "the hub meanwhile",
                reason,
            )
        self._failing = reason
        return "retry"


def _failure_name(error):
    """Refused connections, resets, timeouts, DNS: named by type only (the message of some may
    quote the request, so it is never logged)."""
    reason = getattr(error, "reason", None)
    return type(reason if isinstance(reason, BaseException) else error).__name__


def _error_code_suffix(error):
    """' (<code>)' from the monitor's JSON error body, when it carries a plain code."""
    try:
        code = json.loads(error.read())["error"]["code"]
    except Exception:
        return ""
    return f" ({code})" if isinstance(code, str) and _ERROR_CODE.match(code) else ""
