"""Proves what an image would run, without a Docker engine; scripts/check-images.sh runs it.

usage: check_image.py DOCKERFILE SERVICE_NAME NODE_BINARY [NAME=VALUE ...]

1. Reads the Dockerfile and checks the rules of docker/README.md: Node 24 base images pinned
   to a full version, a numeric non-root USER, an exec-form CMD running node (or tini), no
   ARG/ENV that looks like a secret, a runtime stage that copies only the app's bundle from
   the build stage, and a <Dockerfile>.dockerignore that lets the build stage's files through.
2. Emulates the build stage: a folder with exactly the files its COPY lines take from the
   build context, the workspace's node_modules standing in for `RUN npm ci` (no network
   here), then its other RUN lines (the nx build).
3. Emulates the runtime stage: a clean folder with only what its COPY --from lines take, in
   which the CMD starts with the given env (NAME=VALUE; `{hub}` becomes a stand-in hub's URL)
   plus HOST/PORT; GET {prefix}health must answer 200 {"status":"ok"}, SIGTERM must end it
   with status 0, every output line must be JSON, and no *_TOKEN value may appear in it.
Prints one line per check; exits 1 when anything failed.
"""

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# The shared reporter lives in scripts/checks; this script runs as `python <path>`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "checks"))
from check_report import failures, report  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PINNED_NODE = re.compile(r"^node:24\.\d+\.\d+-[a-z0-9.-]+(@sha256:[a-f0-9]{64})?$")
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|KEY|CONNECTION_STRING)", re.IGNORECASE)
START_TIMEOUT_S = 20
STOP_TIMEOUT_S = 15


class Stage:
    """One FROM ... AS name block: what the checks and the emulation need of it."""

    def __init__(self, base, name):
        self.base, self.name = base, name
        self.workdir, self.user, self.cmd = "/", None, None
        self.env, self.copies, self.runs = {}, [], []


# Instructions with continuation lines joined; comments and blank lines dropped.
def instructions(text):
    joined = re.sub(r"\\\n", " ", text)
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            yield keyword.upper(), rest.strip()


# ENV in both forms: `ENV A=1 B=2` and the legacy `ENV A 1`.
def parse_env(rest):
    words = shlex.split(rest)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


# Stages and ARGs of a Dockerfile, as far as our Dockerfiles use instructions.
def parse(dockerfile):
    stages, args = [], []
    for keyword, rest in instructions(dockerfile.read_text(encoding="utf-8")):
        if keyword == "FROM":
            words = rest.split()
            stages.append(Stage(words[0], words[2] if len(words) > 2 else str(len(stages))))
        elif keyword == "ARG":
            args.append(rest)
        elif not stages:
            continue
        elif keyword == "WORKDIR":
            stages[-1].workdir = str(Path(stages[-1].workdir, rest))
        elif keyword == "ENV":
            stages[-1].env.update(parse_env(rest))
        elif keyword == "COPY":
            words = shlex.split(rest)
            flags = dict(w[2:].split("=", 1) for w in words if w.startswith("--") and "=" in w)
            paths = [w for w in words if not w.startswith("--")]
            stages[-1].copies.append((flags.get("from"), paths[:-1], paths[-1]))
        elif keyword == "RUN":
            stages[-1].runs.append(rest)
        elif keyword == "USER":
            stages[-1].user = rest
        elif keyword == "CMD":
            stages[-1].cmd = json.loads(rest) if rest.startswith("[") else rest
    return stages, args


# The rules every image of ours follows (docker/README.md).
def check_rules(stages, args, service, label):
    runtime = stages[-1]
    unpinned = [s.base for s in stages if not PINNED_NODE.match(s.base)]
    what = f"{label}: every stage is Node 24 pinned to a full version"
    report(not unpinned, what, ", ".join(unpinned))
    user = (runtime.user or "").split(":")
    numeric = all(part.isdigit() for part in user) and user[0] not in ("", "0")
    report(numeric, f"{label}: runtime USER is a numeric non-root user", runtime.user or "none")
    exec_form = isinstance(runtime.cmd, list) and (
        runtime.cmd[:1] == ["node"] or "tini" in (runtime.cmd[0] if runtime.cmd else "")
    )
    report(exec_form, f"{label}: CMD is exec form running node", json.dumps(runtime.cmd))
    names = [a.split("=")[0] for a in args] + [n for s in stages for n in s.env]
    secret_like = [n for n in names if SECRET_NAME.search(n)]
    report(not secret_like, f"{label}: no ARG/ENV that looks like a secret", ", ".join(secret_like))
    build_names = {s.name for s in stages[:-1]}
    foreign = [
        src
        for origin, sources, _ in runtime.copies
        for src in sources
        if origin not in build_names or not src.startswith(f"/src/dist/apps/{service}/")
    ]
    report(
        bool(runtime.copies) and not foreign,
        f"{label}: runtime copies only dist/apps/{service}/ from the build stage",
        ", ".join(foreign),
    )


# A stage's path (absolute, or relative to its WORKDIR) inside the folder emulating WORKDIR.
def local_path(folder, workdir, path):
    absolute = Path(path) if path.startswith("/") else Path(workdir, path)
    return folder / absolute.relative_to(workdir)


# Docker's COPY: a directory's contents go into dest; a file goes into dest/ or becomes dest.
def docker_copy(source, dest_local, dest, many):
    if source.is_dir():
        shutil.copytree(source, dest_local, dirs_exist_ok=True)
        return
    target = dest_local / source.name if dest.endswith("/") or many else dest_local
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


# BuildKit reads <Dockerfile>.dockerignore; whatever the build stage copies must pass it.
def check_dockerignore(dockerfile, stage):
    ignore = Path(f"{dockerfile}.dockerignore")
    if not ignore.exists():
        report(False, f"{ignore.name} exists")
        return
    lines = ignore.read_text("utf-8").splitlines()
    allowed = {line[1:].removesuffix("/**") for line in lines if line.startswith("!")}
    sources = [src.rstrip("/") for origin, srcs, _ in stage.copies if origin is None for src in srcs]
    blocked = [src for src in sources if src not in allowed]
    report(not blocked, f"{ignore.name} lets through what the build stage copies", ", ".join(blocked))


# The build stage, run here: its context COPYs, node_modules for `npm ci`, then its RUNs.
def emulate_build(stage, root):
    context = root / "build"
    context.mkdir()
    for _, sources, dest in stage.copies:
        for src in sources:
            docker_copy(REPO / src, local_path(context, stage.workdir, dest), dest, len(sources) > 1)
    env = {**os.environ, **stage.env, "PATH": f"{context / 'node_modules/.bin'}:{os.environ['PATH']}"}
    for command in stage.runs:
        if re.match(r"^npm ci\b", command):
            (context / "node_modules").symlink_to(REPO / "node_modules")
            report(True, f"build stage: `{command}` stood in for by the workspace's node_modules")
            continue
        started = time.monotonic()
        result = subprocess.run(
            ["bash", "-c", command], cwd=context, env=env, capture_output=True, text=True
        )
        report(
            result.returncode == 0,
            f"build stage: `{command}` ({time.monotonic() - started:.1f} s)",
            result.stdout[-800:] + result.stderr[-800:] if result.returncode else "",
        )
    return context, stage.workdir


# The runtime stage's files: each COPY --from=<build> source, taken from the build folder.
def emulate_runtime(stage, build_dir, build_workdir, root):
    app = root / "app"
    app.mkdir()
    for _, sources, dest in stage.copies:
        for src in sources:
            source = local_path(build_dir, build_workdir, src)
            docker_copy(source, local_path(app, stage.workdir, dest), dest, len(sources) > 1)
    files = sorted(str(p.relative_to(app)) for p in app.rglob("*") if p.is_file())
    report(bool(files), "runtime stage: clean folder holds only the copied files", ", ".join(files))
    return app


class StandInHub(BaseHTTPRequestHandler):
    """Answers the few hub API calls a starting service may make (version, empty user list)."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.rstrip("/").endswith("/hub/api"):
            body = {"version": "5.5.4"}
        elif "/hub/api/users" in self.path:
            body = {"items": [], "_pagination": {"offset": 0, "limit": 200, "total": 0, "next": None}}
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


# A port the app can bind: the check never collides with a running service.
def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Polls the health route until it answers, the process dies, or time runs out.
def wait_healthy(url, process):
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read().decode()
        except OSError:
            time.sleep(0.1)
    return None, ""


# Starts the image's CMD from the clean folder and drives it as Kubernetes would.
def run_app(stage, app_dir, node, service, pairs):
    hub = ThreadingHTTPServer(("127.0.0.1", 0), StandInHub)
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    hub_url = f"http://127.0.0.1:{hub.server_address[1]}"
    port = free_port()
    given = dict(pair.split("=", 1) for pair in pairs)
    given = {k: v.replace("{hub}", hub_url) for k, v in given.items()}
    # Only the image's ENV and the given settings: nothing leaks in from this machine.
    env = {"PATH": "/usr/bin:/bin", **stage.env, **given, "HOST": "127.0.0.1", "PORT": str(port)}
    command = [node if word == "node" else word for word in stage.cmd]
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=app_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        prefix = env.get("JUPYTERHUB_SERVICE_PREFIX", "/")
        status, body = wait_healthy(f"http://127.0.0.1:{port}{prefix}health", process)
        report(
            status == 200 and json.loads(body or "{}") == {"status": "ok"},
            f"{service}: starts and answers GET {prefix}health ({time.monotonic() - started:.1f} s)",
            f"status {status} {body[:200]}",
        )
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=STOP_TIMEOUT_S)
        report(code == 0, f"{service}: exits 0 on SIGTERM", f"status {code}")
    except subprocess.TimeoutExpired:
        process.kill()
        report(False, f"{service}: exits 0 on SIGTERM", f"still running after {STOP_TIMEOUT_S} s")
    finally:
        hub.shutdown()
    output = process.stdout.read().decode(errors="replace")
    not_json = [line for line in output.splitlines() if line.strip() and not is_json(line)]
    report(not not_json, f"{service}: every output line is JSON", " | ".join(not_json[:3]))
    secrets = [name for name, value in given.items() if name.endswith("_TOKEN") and value in output]
    report(not secrets, f"{service}: no token value in its output", ", ".join(secrets))


# Logs are one JSON object per line (docs/contracts.md#logs).
def is_json(line):
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def main(dockerfile, service, node, *pairs):
    dockerfile = Path(dockerfile)
    stages, args = parse(dockerfile)
    check_rules(stages, args, service, dockerfile.name)
    check_dockerignore(dockerfile, stages[0])
    if failures:
        return 1
    with tempfile.TemporaryDirectory() as root:
        build_dir, build_workdir = emulate_build(stages[0], Path(root))
        if not failures:
            app_dir = emulate_runtime(stages[-1], build_dir, build_workdir, Path(root))
            run_app(stages[-1], app_dir, node, service, pairs)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
