"""The deployment files parse and agree with each other (the image is not built here)."""

from __future__ import annotations

import configparser
import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from bot.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


# -- tiny parsers ------------------------------------------------------------------------------
def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out, current = [], ""
    for line in path.read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        word, _, rest = current.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        current = ""
    return out


def nginx_parse(text: str) -> list:
    """nginx config -> nested [directive, args, children|None] lists."""
    text = re.sub(r"#[^\n]*", "", text)
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|[{};]|[^\s{};]+', text)
    pos = 0

    def block() -> list:
        nonlocal pos
        items, words = [], []
        while pos < len(tokens):
            tok = tokens[pos]
            pos += 1
            if tok == ";":
                items.append([words[0], words[1:], None])
                words = []
            elif tok == "{":
                items.append([words[0], words[1:], block()])
                words = []
            elif tok == "}":
                return items
            else:
                words.append(tok.strip('"'))
        assert not words, f"unterminated directive {words}"
        return items

    return block()


def find(items: list, name: str) -> list:
    return [i for i in items if i[0] == name]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def assistant_services(compose: dict) -> dict[str, dict]:
    return {name: svc for name, svc in compose["services"].items()
            if svc.get("build", {}).get("dockerfile") == "deploy/Dockerfile"}


def cmd_port(argv: list[str]) -> int:
    return int(argv[argv.index("--port") + 1])


# -- Dockerfile --------------------------------------------------------------------------------
def test_dockerfile_slim_non_root_with_healthcheck():
    instr = dockerfile_instructions(DEPLOY / "Dockerfile")
    froms = [args.split()[0] for name, args in instr if name == "FROM"]
    assert froms and all(re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", f) for f in froms)
    final = instr[max(i for i, (name, _) in enumerate(instr) if name == "FROM"):]
    users = [args for name, args in final if name == "USER"]
    assert users, "the final image must switch to a non-root user"
    assert users[-1].split(":")[0] not in ("root", "0")
    entry = " ".join(next(json.loads(args) for name, args in final if name == "ENTRYPOINT"))
    cmd = next(json.loads(args) for name, args in final if name == "CMD")  # exec form
    assert entry == "python -m bot" and cmd[0] == "serve"
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    port = cmd_port(cmd)
    assert [args for name, args in final if name == "EXPOSE"] == [str(port)]
    health = next(args for name, args in final if name == "HEALTHCHECK")
    assert f"http://127.0.0.1:{port}/healthz" in health and "CMD" in health


def test_dockerfile_copies_what_exists_and_is_not_ignored():
    instr = dockerfile_instructions(DEPLOY / "Dockerfile")
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert "*" in ignore
    for name, args in instr:
        if name == "COPY" and not args.startswith("--from"):
            *sources, _dest = shlex.split(args)
            for src in sources:
                assert (ROOT / src).exists(), src
                assert src.rstrip("/") in allowed, f"{src} is excluded by the dockerignore"
    # the wheel build needs every package the distribution declares
    for package in ("bot", "intents", "policy_faq"):
        assert package in allowed


# -- compose -----------------------------------------------------------------------------------
def test_compose_services(compose):
    services = compose["services"]
    workers = assistant_services(compose)
    assert len(workers) >= 2
    assert {"redis", "proxy"} <= set(services)
    published = [name for name, svc in services.items() if svc.get("ports")]
    assert published == ["proxy"], "only the reverse proxy is reachable from outside"


def test_compose_workers(compose):
    image_cmd = next(json.loads(args) for name, args in
                     dockerfile_instructions(DEPLOY / "Dockerfile") if name == "CMD")
    port = cmd_port(image_cmd)
    for name, svc in assistant_services(compose).items():
        assert (DEPLOY / svc["build"]["context"] / svc["build"]["dockerfile"]).is_file()
        assert svc["user"].split(":")[0] not in ("root", "0"), name
        assert svc.get("read_only") is True and "ALL" in svc["cap_drop"]
        test = " ".join(svc["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/healthz" in test, name
        assert str(port) in [str(p) for p in svc["expose"]]
        redis_url = urlparse(svc["environment"]["BOT_REDIS_URL"])
        assert redis_url.scheme == "redis" and redis_url.hostname == "redis"
        assert svc["depends_on"]["redis"]["condition"] == "service_healthy"
        for env_file in svc["env_file"]:  # the example next to it is what people copy
            assert (DEPLOY / (env_file + ".example")).is_file()


def test_compose_redis_and_proxy(compose):
    redis = compose["services"]["redis"]
    assert redis["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    assert any(v.endswith(":/data") for v in redis["volumes"])
    proxy = compose["services"]["proxy"]
    assert "unprivileged" in proxy["image"]  # nginx without root, listening on 8080/8443
    mapping = dict(p.split(":") for p in proxy["ports"])
    assert mapping == {"80": "8080", "443": "8443"}
    mounts = {v.split(":")[1]: v.split(":")[0] for v in proxy["volumes"]}
    assert (DEPLOY / mounts["/etc/nginx/conf.d/default.conf"]).is_file()
    assert "/etc/nginx/certs" in mounts
    assert set(proxy["depends_on"]) == set(assistant_services(compose))
    assert all(d["condition"] == "service_healthy" for d in proxy["depends_on"].values())
    assert proxy["healthcheck"]["test"][0] == "CMD"


# -- nginx -------------------------------------------------------------------------------------
def test_nginx_terminates_tls_and_routes_webhooks(compose):
    conf = nginx_parse((DEPLOY / "nginx.conf").read_text())
    (upstream,) = find(conf, "upstream")
    name = upstream[1][0]
    servers = sorted(d[1][0] for d in find(upstream[2], "server"))
    assert servers == sorted(f"{svc}:8080" for svc in assistant_services(compose))
    tls = [s for s in find(conf, "server") if any("ssl" in d[1] for d in find(s[2], "listen"))]
    assert len(tls) == 1
    (server,) = tls
    assert find(server[2], "listen")[0][1] == ["8443", "ssl"]
    cert = find(server[2], "ssl_certificate")[0][1][0]
    key = find(server[2], "ssl_certificate_key")[0][1][0]
    assert cert.startswith("/etc/nginx/certs/") and key.startswith("/etc/nginx/certs/")
    locations = {" ".join(loc[1]): loc[2] for loc in find(server[2], "location")}
    for path in ("= /wechat", "/wechat/", "= /telegram", "/telegram/"):
        assert find(locations[path], "proxy_pass")[0][1] == [f"http://{name}"], path
    assert not any("metrics" in p for p in locations)
    assert find(locations["/"], "return")[0][1] == ["404"]
    headers = {d[1][0]: d[1][1] for d in find(server[2], "proxy_set_header")}
    assert headers["X-Request-ID"] == "$request_id" and headers["X-Forwarded-Proto"] == "$scheme"
    plain = [s for s in find(conf, "server") if s is not server]
    assert find(plain[0][2], "listen")[0][1] == ["8080"]


# -- systemd -----------------------------------------------------------------------------------
@pytest.mark.parametrize("unit", ["yibao-assistant.service", "yibao-assistant@.service"])
def test_systemd_unit(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string((DEPLOY / unit).read_text())
    service = parser["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv[1:4] == ["-m", "bot", "serve"] and argv[0].endswith("/python")
    assert argv[argv.index("--host") + 1] == "127.0.0.1"  # behind the local proxy
    assert argv[argv.index("--port") + 1] == ("%i" if "@" in unit else "8080")
    assert service.get("DynamicUser") == "yes" or service.get("User") not in (None, "root")
    assert service["User"] != "root" and service["NoNewPrivileges"] == "yes"
    assert service["EnvironmentFile"] == "/etc/yibao-assistant/env"
    assert service["Restart"] == "on-failure"
    assert parser["Install"]["WantedBy"] == "multi-user.target"
    # Redis is wanted, not required: the worker answers from memory without it
    assert "Requires" not in parser["Unit"]


def test_env_example_is_valid_configuration():
    env = {}
    for line in (DEPLOY / "yibao-assistant.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    config_source = (ROOT / "bot" / "config.py").read_text()
    for key in env:
        assert key in config_source, f"{key} is not a setting bot/config.py reads"
    settings = load_settings(env=env)
    assert settings.redis_url == env["BOT_REDIS_URL"]
    assert settings.session_ttl == int(env["BOT_SESSION_TTL"]) and settings.log_json is True
    assert [a.path for a in settings.wechat.accounts] == ["/wechat"]
