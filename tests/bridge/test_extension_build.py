"""``taskclock extension build``: three browsers' builds, manifests that agree, no symlinks.

Runs the real esbuild from node_modules (``npm install``); the build is made once per
test session into a temporary directory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from bridge import extension_build
from bridge.cli import main

BROWSERS = ("chrome", "firefox", "opera")
SITE_ORIGINS = {"https://app.asana.com/*", "https://*.atlassian.net/*", "https://trello.com/*"}
LOCAL_RELAYS = {"http://127.0.0.1/*", "http://localhost/*"}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not extension_build.ESBUILD.exists():
        pytest.fail("node_modules is missing: run `npm install` (make test does)")
    out = tmp_path_factory.mktemp("dist")
    with pytest.raises(SystemExit) as exited:
        main(["extension", "build", "--browser", "all", "--out", str(out)])
    assert exited.value.code == 0
    return out


def manifest(dist: Path, browser: str) -> dict:
    return json.loads((dist / browser / "manifest.json").read_text(encoding="utf-8"))


def test_every_browser_gets_an_unpacked_build_and_a_zip(dist: Path) -> None:
    for browser in BROWSERS:
        folder = dist / browser
        for name in ("manifest.json", "background.js", "content.js", "options.html", "options.js", "timesheet.html", "timesheet.js", "popup.html", "popup.js", "pages.css", "_locales/en/messages.json", "_locales/de/messages.json", "icons/icon-128.png"):
            assert (folder / name).is_file(), f"{browser}: {name}"
        with zipfile.ZipFile(dist / f"taskclock-{browser}.zip") as archive:
            names = set(archive.namelist())
            assert "manifest.json" in names
            assert "content.js" in names
            assert json.loads(archive.read("manifest.json")) == manifest(dist, browser)


def test_no_file_in_the_build_is_a_symlink(dist: Path) -> None:
    for path in dist.rglob("*"):
        assert not path.is_symlink(), path
    for browser in BROWSERS:
        with zipfile.ZipFile(dist / f"taskclock-{browser}.zip") as archive:
            for info in archive.infolist():
                assert (info.external_attr >> 16) & 0o170000 != 0o120000, info.filename


def test_manifests_agree_on_content_scripts_and_permissions(dist: Path) -> None:
    manifests = {browser: manifest(dist, browser) for browser in BROWSERS}
    first = manifests["chrome"]
    for browser, data in manifests.items():
        assert data["manifest_version"] == 3, browser
        assert data["content_scripts"] == first["content_scripts"], browser
        assert sorted(data["host_permissions"]) == sorted(first["host_permissions"]), browser
        assert sorted(data["permissions"]) == sorted(first["permissions"]), browser
        assert data.get("optional_host_permissions") == first.get("optional_host_permissions"), browser
        assert data["version"] == first["version"], browser


def test_host_permissions_are_the_three_sites_and_local_relays_only(dist: Path) -> None:
    data = manifest(dist, "chrome")
    assert set(data["host_permissions"]) <= SITE_ORIGINS | LOCAL_RELAYS
    assert SITE_ORIGINS <= set(data["host_permissions"])
    for script in data["content_scripts"]:
        assert set(script["matches"]) == SITE_ORIGINS
    # A custom relay's origin is asked for at sign-in, one origin at a time; only
    # https can be asked for, never granted at install.
    assert data.get("optional_host_permissions", []) == ["https://*/*"]
    assert "<all_urls>" not in json.dumps(data)
    assert set(data["permissions"]) == {"storage", "nativeMessaging"}


def test_chromium_builds_carry_the_fixed_key_and_its_id(dist: Path) -> None:
    for browser in ("chrome", "opera"):
        data = manifest(dist, browser)
        assert data["background"] == {"service_worker": "background.js"}
        der = base64.b64decode(data["key"])
        digest = hashlib.sha256(der).hexdigest()[:32]
        assert "".join(chr(ord("a") + int(c, 16)) for c in digest) == extension_build.CHROMIUM_EXTENSION_ID
        assert "browser_specific_settings" not in data


def test_public_key_only(dist: Path) -> None:
    for path in Path(extension_build.MANIFEST_DIR).glob("*.json"):
        assert "PRIVATE KEY" not in path.read_text(encoding="utf-8"), path


def test_firefox_manifest(dist: Path) -> None:
    data = manifest(dist, "firefox")
    gecko = data["browser_specific_settings"]["gecko"]
    assert gecko["id"] == "taskclock@taskclock.dev" == extension_build.FIREFOX_EXTENSION_ID
    assert gecko["strict_min_version"] == "142.0"
    assert "required" in gecko["data_collection_permissions"]
    assert data["background"] == {"scripts": ["background.js"]}
    assert "key" not in data
    # MV3 pages upgrade ws:// to wss:// by default; a local relay must stay plain.
    assert "upgrade-insecure-requests" not in data["content_security_policy"]["extension_pages"]


def test_bundles_are_self_contained_scripts(dist: Path) -> None:
    for browser in BROWSERS:
        for name in ("background.js", "content.js", "options.js"):
            text = (dist / browser / name).read_text(encoding="utf-8")
            assert "\nimport " not in text and not text.startswith("import "), f"{browser}/{name} still imports"
            assert "eval(" not in text
            assert "innerHTML" not in text, f"{browser}/{name} uses innerHTML"


def test_one_browser_only(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["extension", "build", "--browser", "firefox", "--out", str(tmp_path)])
    assert exited.value.code == 0
    assert (tmp_path / "firefox" / "manifest.json").is_file()
    assert not (tmp_path / "chrome").exists()


def test_unknown_browser_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["extension", "build", "--browser", "safari", "--out", str(tmp_path)])
    assert exited.value.code == 2


def test_missing_node_modules_says_to_run_npm_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(extension_build, "ESBUILD", tmp_path / "node_modules" / ".bin" / "esbuild")
    with pytest.raises(SystemExit) as exited:
        main(["extension", "build", "--out", str(tmp_path / "out")])
    assert exited.value.code == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "npm install" in err


def test_out_must_be_a_directory(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(SystemExit) as exited:
        main(["extension", "build", "--out", str(target)])
    assert exited.value.code == 2


def test_deep_merge_overlays_objects_and_replaces_lists() -> None:
    merged = extension_build.deep_merge({"a": {"x": 1, "y": [1]}, "b": 1}, {"a": {"y": [2], "z": 3}})
    assert merged == {"a": {"x": 1, "y": [2], "z": 3}, "b": 1}
