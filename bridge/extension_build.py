"""``taskclock extension build``: the WebExtension for Chrome, Firefox and Opera.

Bundles each entry point of ``extension/`` with esbuild (from ``node_modules``, installed
by ``npm install``) into plain scripts, copies the static files as real files (Chromium
silently skips a content script that is a symbolic link), merges ``manifest/base.json``
with the browser's overlay and writes ``DIR/<browser>/`` unpacked plus
``DIR/taskclock-<browser>.zip``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

from bridge.core.errors import InvalidInput, TaskclockError

ROOT = Path(__file__).resolve().parent.parent
EXTENSION_DIR = ROOT / "extension"
MANIFEST_DIR = ROOT / "manifest"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"

BROWSERS = ("chrome", "firefox", "opera")

#: The id Chrome and Opera give the unpacked build: derived from the public ``key`` in
#: manifest/chrome.json and manifest/opera.json (first 128 bits of the SHA-256 of the
#: DER public key, hex digits mapped to a-p). The agent's native-host manifest lists it
#: in ``allowed_origins``; tests/bridge/test_extension_build.py recomputes it.
CHROMIUM_EXTENSION_ID = "kgeblhliigajgajoelendidflbdhijji"
FIREFOX_EXTENSION_ID = "taskclock@taskclock.dev"

#: Output name -> source entry point; each becomes one self-contained script.
ENTRY_POINTS = {
    "background": "background/index.js",
    "content": "content/index.js",
    "options": "pages/options.js",
    "timesheet": "pages/timesheet.js",
    "popup": "pages/popup.js",
}

#: Copied unchanged: the pages' markup and styles, icons, translations.
STATIC_PAGES = ("pages/options.html", "pages/timesheet.html", "pages/popup.html", "pages/pages.css")
STATIC_DIRS = ("icons", "_locales")

# Chrome 116 is the first with everything the background uses (storage.session,
# long-lived native ports keeping the worker alive); Firefox as in the manifest.
ESBUILD_TARGETS = {"chrome": "chrome116", "opera": "chrome116", "firefox": "firefox142"}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``extension`` group to the ``taskclock`` parser."""
    group = subparsers.add_parser("extension", help="build the WebExtension")
    commands = group.add_subparsers(dest="command", metavar="{build}", required=True)
    build = commands.add_parser("build", help="write unpacked builds and zips for each browser")
    build.add_argument("--browser", choices=("all", *BROWSERS), default="all")
    build.add_argument("--out", default="dist", help="output directory (default: dist)")
    build.set_defaults(handler=run_build)


def run_build(args: argparse.Namespace) -> int:
    browsers = BROWSERS if args.browser == "all" else (args.browser,)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"--out {out} exists and is not a directory")
    for browser in browsers:
        target = build_browser(browser, out)
        print(f"{browser}: {target} and {zip_path(out, browser)}")
    return 0


def zip_path(out: Path, browser: str) -> Path:
    return out / f"taskclock-{browser}.zip"


def merged_manifest(browser: str) -> dict[str, Any]:
    """manifest/base.json with manifest/<browser>.json laid over it."""
    base = json.loads((MANIFEST_DIR / "base.json").read_text(encoding="utf-8"))
    overlay = json.loads((MANIFEST_DIR / f"{browser}.json").read_text(encoding="utf-8"))
    return deep_merge(base, overlay)


def deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Objects merge key by key; anything else (lists included) in the overlay wins."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def build_browser(browser: str, out: Path) -> Path:
    """Write ``out/<browser>/`` and its zip; returns the unpacked directory."""
    if not ESBUILD.exists():
        raise TaskclockError(f"esbuild is missing from {ROOT / 'node_modules'}: run `npm install` in {ROOT}")
    target = out / browser
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    bundle(browser, target)
    for page in STATIC_PAGES:
        shutil.copyfile(EXTENSION_DIR / page, target / Path(page).name)
    for folder in STATIC_DIRS:
        # symlinks=False copies what a link points at, so the build holds real files only.
        shutil.copytree(EXTENSION_DIR / folder, target / folder, symlinks=False)
    manifest = merged_manifest(browser)
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_zip(target, zip_path(out, browser))
    return target


def bundle(browser: str, target: Path) -> None:
    command = [
        str(ESBUILD),
        *(f"{name}={EXTENSION_DIR / source}" for name, source in ENTRY_POINTS.items()),
        "--bundle",
        "--format=iife",
        "--charset=utf8",
        "--legal-comments=none",
        f"--target={ESBUILD_TARGETS[browser]}",
        f"--define:TASKCLOCK_BROWSER={json.dumps(browser)}",
        f"--outdir={target}",
        "--log-level=warning",
    ]
    try:
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    except OSError as exc:  # node missing, or a broken node_modules
        raise TaskclockError(f"cannot run esbuild ({exc.strerror or exc}): run `npm install` in {ROOT}") from exc
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise TaskclockError("esbuild failed: " + (" | ".join(detail[:6]) or f"exit {completed.returncode}"))


def write_zip(source: Path, destination: Path) -> None:
    """A zip with the manifest at its root, files in a stable order."""
    if destination.exists():
        destination.unlink()
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(source).as_posix())
