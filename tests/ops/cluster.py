"""Bot instances (`esign-bot run` in webhook mode) behind nginx on loopback, for tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
)
NO_NGINX = "nginx is not installed (apt-get install nginx-light; .ci/run installs it)"
WEBHOOK_PATH = "/telegram/webhook"
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


NGINX_CONF = """\
{user}
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream esign_bot {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 1m;
        location = {path} {{
            proxy_pass http://esign_bot;
            # A refused connection or a 503 from a draining instance goes to the next one.
            # Not non_idempotent: a POST an instance received and then died on is answered
            # 502, and Telegram redelivers it.
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 3;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
        location / {{ return 404; }}
    }}
}}
"""


@dataclass
class Nginx:
    directory: Path
    upstreams: list[int]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    def start(self) -> None:
        assert NGINX is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(
            f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in self.upstreams
        )
        conf = self.directory / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                # As root nginx would switch its worker to "nobody", who cannot use our files.
                user="user root;" if os.geteuid() == 0 else "",
                dir=self.directory,
                servers=servers,
                port=self.port,
                path=WEBHOOK_PATH,
            )
        )
        self.process = subprocess.Popen(
            [
                NGINX,
                "-c",
                str(conf),
                "-p",
                str(self.directory),
                "-e",
                str(self.directory / "e.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=(self.directory / "nginx-stderr.log").open("wb"),
        )

    async def wait_ready(self, within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"nginx exited: {self.errors()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                await asyncio.sleep(0.05)
        raise AssertionError(f"nginx did not start: {self.errors()}")

    def errors(self) -> str:
        logs = [self.directory / n for n in ("nginx-stderr.log", "nginx-error.log", "e.log")]
        return "\n".join(p.read_text(errors="replace") for p in logs if p.exists())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Instance:
    """One `esign-bot run` process in webhook mode."""

    name: str
    env: dict[str, str]
    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.directory / f"{self.name}.log"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        env = {**self.env, "WEBHOOK_PORT": str(self.port), "WEBHOOK_LISTEN": "127.0.0.1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=self.log_path.open("wb"),
        )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def get(self, path: str) -> httpx.Response:
        async with httpx.AsyncClient(timeout=5) as client:
            return await client.get(f"http://127.0.0.1:{self.port}{path}")

    async def healthy(self) -> bool:
        try:
            return (await self.get("/healthz")).status_code == 200
        except httpx.HTTPError:
            return False

    async def metric(self, name: str) -> float | None:
        try:
            scraped = await self.get("/metrics")
        except httpx.HTTPError:
            return None
        for family in text_string_to_metric_families(scraped.text):
            for sample in family.samples:
                if sample.name == name and not sample.labels:
                    return float(sample.value)
        return None

    def kill(self) -> None:
        """SIGKILL: the process dies at once, as in a crash or an OOM kill."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def terminate(self) -> None:
        assert self.process is not None
        self.process.terminate()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def instance_env(
    *, database_url: str, api_base: str, file_base: str, token: str, webhook_url: str, secret: str
) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        "BOT_TOKEN": token,
        "BOT_API_BASE_URL": api_base,
        "BOT_API_FILE_URL": file_base,
        "DATABASE_URL": database_url,
        "PII_SECRET": "scale-out-test-pii-secret-0123",
        "WEBHOOK_URL": webhook_url,
        "WEBHOOK_SECRET": secret,
        "LOG_LEVEL": "INFO",
    }
