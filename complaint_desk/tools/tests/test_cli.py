"""``desk run`` as a newcomer uses it, from a plain (not editable) install of the package:
everything up, URLs printed, Ctrl-C stops it all, and the data is still there next time."""

import contextlib
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from uuid import uuid4

import httpx
import psutil
import pytest

from complaint_desk.tools.cli import main
from complaint_desk.tools.devstack.postgres import EmbeddedPostgres, free_port
from tests.e2e.helpers import complaint

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the package installed from a wheel, as `pip install .` does:
    nothing of the source tree on its path. Its dependencies come from the test environment's
    site-packages (a .pth line adds the folder; that folder's own .pth files, among them the
    editable install's finder, are not run), so that the test needs no second download."""
    folder = tmp_path_factory.mktemp("installed")
    # Built from a copy (a build in place leaves build/ behind, whose stale files the next
    # build would ship) with the test environment's setuptools (no download).
    source = shutil.copytree(ROOT, folder / "source", ignore=shutil.ignore_patterns(
        ".*", "build", "*.egg-info", "__pycache__", "test-artifacts", "node_modules",
    ))  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", folder / "dist", source],
        check=True,
    )  # fmt: skip
    (wheel,) = (folder / "dist").glob("complaint_desk-*.whl")
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
         wheel],
        check=True,
    )  # fmt: skip
    return venv


def test_the_wheel_installs_one_package_with_its_files(installed: Path, tmp_path: Path) -> None:
    script = (
        "import importlib.resources as r, complaint_desk.tools.cli as c;"
        "print(c.__file__);"
        "print(*sorted(str(p) for p in c.all_migrations().values()));"
        "print(r.files('complaint_desk.services.projections.console') / 'static' / 'console.js')"
    )
    found = subprocess.run(
        [installed / "bin" / "python", "-c", script],
        cwd=tmp_path, check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    assert all(path.startswith(str(installed)) for path in found), found
    for sql in found[1:-1]:
        assert sorted(Path(sql).glob("*.sql")), f"no migrations in {sql}"
    assert Path(found[-1]).is_file(), "the console's script is in the wheel"
    (site,) = {Path(found[0]).parents[2]}
    top_level = {p.name for p in site.iterdir() if not p.name.endswith((".pth", ".dist-info"))}
    assert top_level == {"complaint_desk"}, top_level
    assert not list((site / "complaint_desk").rglob("tests")), "tests stay out of the wheel"


def _start(env: dict[str, str], installed: Path) -> tuple[subprocess.Popen[str], list[str]]:
    process = subprocess.Popen(
        [installed / "bin" / "desk", "run"],
        env=env,
        cwd=Path(env["DESK_DATA_DIR"]).parent,  # not the source tree
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 120
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Ctrl-C" in line:
            return process, lines
    process.kill()
    raise AssertionError("desk run did not come up:\n" + "".join(lines))


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    assert process.wait(60) == 0


def _listening(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
        return True
    except httpx.HTTPError:
        return False


def test_desk_run_starts_everything_stops_on_ctrl_c_and_keeps_data(
    installed: Path, tmp_path: Path
) -> None:
    ports = {name: free_port() for name in ("INTAKE", "SLA", "NOTIFY", "PROJECTIONS")}
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
        },
        "DESK_DATA_DIR": str(tmp_path / "data"),
        "DESK_POSTGRES_PORT": str(free_port()),
        "DESK_BROKER_PORT": str(free_port()),
        **{f"{name}_PORT": str(port) for name, port in ports.items()},
    }
    process, lines = _start(env, installed)
    try:
        output = "".join(lines)
        for port in ports.values():
            assert f"http://127.0.0.1:{port}" in output
        # A new installation has one organisation admin, whose password is shown once.
        first = re.search(r"sign in / 登入: admin / (\S+)", output)
        assert first, output
        console = f"http://127.0.0.1:{ports['PROJECTIONS']}"
        signed_in = httpx.post(
            f"{console}/console/sign-in", data={"name": "admin", "password": first[1]}
        )
        assert signed_in.status_code == 303, signed_in.text
        session = signed_in.cookies["desk_session"]
        admin = {"Authorization": f"Bearer {session}"}
        anonymous = httpx.post(
            f"http://127.0.0.1:{ports['INTAKE']}/complaints", json=complaint(site="RUN"), timeout=10
        )
        assert anonymous.status_code == 401
        created = httpx.post(
            f"http://127.0.0.1:{ports['INTAKE']}/complaints",
            json=complaint(site="RUN"),
            headers=admin,
            timeout=10,
        )
        assert created.status_code == 201
        page = httpx.get(f"{console}/", cookies={"desk_session": session}, follow_redirects=True)
        assert f"console      {console}/" in output
        assert page.status_code == 200 and "投訴登記表" in page.text, "the console is up"
    finally:
        _stop(process)
    assert not any(_listening(p) for p in ports.values()), "every service stopped"
    for leftover in (str(tmp_path / "data"), f"127.0.0.1:{env['DESK_BROKER_PORT']}"):
        found = subprocess.run(["pgrep", "-f", leftover], capture_output=True, text=True)
        assert found.stdout == "", f"still running: {leftover}"

    process, lines = _start(env, installed)  # the same data folder: the complaint is still there
    try:
        assert "admin /" not in "".join(lines), "the first password is shown only once"
        url = f"http://127.0.0.1:{ports['PROJECTIONS']}/complaints/{created.json()['id']}"
        # The read waits until the projection has the complaint's events (its log position).
        again = httpx.get(
            url, params={"after": created.json()["position"]}, headers=admin, timeout=10
        )
        assert again.status_code == 200, again.text
        assert again.json()["number"] == created.json()["number"]
    finally:
        _stop(process)


def test_desk_users_adds_lists_issues_tokens_and_disables(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    name = f"cli-{uuid4().hex[:6]}"
    assert main(["users", "add", name, "--role", "duty_officer", "--site", "hq", "--token"]) == 0
    added = capsys.readouterr().out
    assert f"{name}: duty_officer, sites HQ" in added and "API token" in added
    assert main(["users", "add", f"{name}-x", "--role", "duty_officer"]) == 2, "no site"
    assert "at least one site" in capsys.readouterr().err
    crm = f"{name}-crm"
    bare = ["users", "add", crm, "--role", "integration", "--event-type", "PurchaseUpdate"]
    assert main(bare) == 2, "an integration without --site or --all-sites"
    assert "--all-sites" in capsys.readouterr().err
    assert main([*bare, "--site", "HQ", "--all-sites"]) == 2, "not both"
    capsys.readouterr()
    assert main([*bare, "--all-sites"]) == 0
    assert "message signing key" in capsys.readouterr().out
    assert main(["users", "token", name, "--label", "tablet"]) == 0
    assert capsys.readouterr().out.startswith("desk_")
    assert main(["users", "list"]) == 0
    listed = capsys.readouterr().out
    assert re.search(rf"{name}\s+duty_officer\s+HQ\s+2 tokens", listed), listed
    assert main(["users", "disable", name]) == 0
    capsys.readouterr()
    main(["users", "list"])
    assert re.search(rf"{name}\s+duty_officer\s+HQ\s+disabled", capsys.readouterr().out)
    with pytest.raises(SystemExit, match="no active user"):
        main(["users", "token", name])
    assert main(["users", "disable", name]) == 0, "disabled already is no error"
    assert "disabled already" in capsys.readouterr().out
    assert main(["users", "disable", f"{name}-nobody"]) == 2
    assert "查無此帳號" in capsys.readouterr().err
    assert main(["users", "password", name]) == 2, "a disabled user's password is not reset"
    assert "enable it first" in capsys.readouterr().err
    assert main(["users", "enable", name]) == 0
    capsys.readouterr()
    main(["users", "list"])
    listed = capsys.readouterr().out
    assert listed.startswith("name / 帳號") and re.search(
        rf"{name}\s+duty_officer\s+HQ\s+0 tokens", listed
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("a-new-password-2026\n"))
    assert main(["users", "password", name]) == 0
    assert "password changed" in capsys.readouterr().out
    assert main(["users", "enable", f"{name}-nobody"]) == 2


def test_every_command_and_option_is_explained_in_both_languages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import argparse

    from complaint_desk.tools import cli

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("desk ")
    parsers: list[argparse.ArgumentParser] = []
    original = argparse.ArgumentParser.parse_args

    def keep(self: argparse.ArgumentParser, *args: object, **kwargs: object) -> object:
        parsers.append(self)
        raise SystemExit(0)

    argparse.ArgumentParser.parse_args = keep  # type: ignore[assignment, method-assign]
    try:
        with pytest.raises(SystemExit):
            cli.main([])
    finally:
        argparse.ArgumentParser.parse_args = original  # type: ignore[method-assign]
    unexplained = []

    def walk(parser: argparse.ArgumentParser, where: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    if not re.search(r"[\u4e00-\u9fff]", choice.help or ""):
                        unexplained.append(f"{where} {choice.dest}")
                for name, sub in action.choices.items():
                    walk(sub, f"{where} {name}")
            elif action.dest not in ("help", "version") and not re.search(
                r"[\u4e00-\u9fff]", action.help or ""
            ):
                unexplained.append(f"{where} {action.dest}")

    walk(parsers[0], "desk")
    assert unexplained == [], f"help without Chinese: {unexplained}"


def test_desk_registry_import_checks_then_imports(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    site = f"R{uuid4().hex[:5].upper()}"
    good = tmp_path / "places.csv"
    good.write_text("類別,代碼,名稱,設備類型,地點\n地點,P-1,1F 大廳,,\n設備,L-1,大廳燈,照明,P-1\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,code,name,type\nasset,L-2,燈,lamp\n")
    assert main(["registry", "import", str(bad), "--site", site, "--apply"]) == 1
    refused = capsys.readouterr().err
    assert "未匯入任何資料" in refused and "line 2 type: 不是可用的設備類型" in refused
    assert main(["registry", "import", str(good), "--site", site]) == 0
    assert "would change / 將變更" in capsys.readouterr().out
    assert main(["registry", "import", str(good), "--site", site, "--apply"]) == 0
    assert "2 added 新增" in capsys.readouterr().out
    assert main(["registry", "import", str(good), "--site", site]) == 0
    assert "2 unchanged 未變" in capsys.readouterr().out


def _run_env(tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")},
        "DESK_DATA_DIR": str(tmp_path / "data"),
        "DESK_POSTGRES_PORT": str(free_port()), "DESK_BROKER_PORT": str(free_port()),
        "INTAKE_MAIL_PORT": str(free_port()),
        **{f"{name}_PORT": str(free_port()) for name in ("INTAKE", "SLA", "NOTIFY", "PROJECTIONS")},
    }  # fmt: skip


def test_desk_run_refuses_a_dirty_start_and_names_what_holds_the_port(
    installed: Path, tmp_path: Path
) -> None:
    env = _run_env(tmp_path)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(env["SLA_PORT"])))
        squatter.listen()
        refused = subprocess.run(
            [installed / "bin" / "desk", "run"], env=env, cwd=tmp_path, capture_output=True,
            text=True, timeout=60,
        )  # fmt: skip
    assert refused.returncode == 2
    assert f"port {env['SLA_PORT']} (sla service) is held by pid {os.getpid()}" in refused.stderr
    assert "無法啟動" in refused.stderr
    assert not (tmp_path / "data" / "postgres").exists(), "nothing was started first"


def test_desk_run_killed_hard_leaves_no_broker_or_service_behind(
    installed: Path, tmp_path: Path
) -> None:
    env = _run_env(tmp_path)
    process, _ = _start(env, installed)
    found = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True)
    children = [int(pid) for pid in found.stdout.split()]
    assert len(children) >= 5, "the broker and four services"
    process.kill()  # SIGKILL: no handler runs, only the children's death signal
    process.wait()

    # Waits on the children themselves (their exit), up to the services' own shutdown.
    alive = []
    for pid in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            alive.append(psutil.Process(pid))
    _, left = psutil.wait_procs(alive, timeout=30)
    assert left == [], f"a child outlived desk run: {left}"
    EmbeddedPostgres(tmp_path / "data" / "postgres", int(env["DESK_POSTGRES_PORT"])).stop()
