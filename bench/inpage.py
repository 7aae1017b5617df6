"""Benchmark 7: the extension's cost inside the page, in headless Chromium.

Call ``run(plan, home)`` after ``relay.seed``. Reuses the end-to-end harness
(tests/e2e: TLS fixture server at the real host names, Chromium with the unpacked
production build, the options-page sign-in). Three measurements, each against a
baseline in the same run:

- pane to timer: the Asana fixture's single-page navigation inserts a task pane; time
  from the insertion to the first animation frame after the task's <taskclock-timer>
  is there (baseline: insertion to the next frame, in a Chromium without the extension).
- main-thread time per mutation batch on a page grown to 5,000+ nodes: Chrome's own
  TaskDuration (CDP Performance.getMetrics) over 100 batches, with the extension minus
  without it.
- two browsers signed in as one user: click in A to data-state change in B (epoch
  clocks of one machine), once through the local agent and the relay (both browsers
  reach the user's agent over native messaging; the agent holds the relay websocket),
  once with the extension's direct transport (relay websocket from each browser);
  baseline: page-world websockets through the bare ``websockets`` server.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import inpage_js as js
from bench import relay
from bench.plan import Plan
from bench.stats import Row, fmt, percentile, ratio

PASSWORD = "bench-password-1"
PANE_ROUNDS = 40
BATCHES = 50
#: Longer than the content script's scan gap (150 ms, extension/content/scan_schedule.js),
#: so each batch is a first batch after a quiet spell and pays for its own (leading) scan:
#: the worst case per batch, not one scan shared by a burst.
BATCH_GAP_SECONDS = 0.2
SYNC_ROUNDS = 30


def _extension_build(home: Path) -> Path:
    """dist/chrome from ``make build``, or a fresh production build."""
    built = relay.REPO / "dist" / "chrome"
    if (built / "manifest.json").exists():
        return built
    out = home / "dist"
    script = str(Path(sys.executable).with_name("taskclock"))
    subprocess.run([script, "extension", "build", "--browser", "chrome", "--out", str(out)], check=True, cwd=relay.REPO, timeout=300)
    return out / "chrome"


def run(plan: Plan, home: Path) -> list[Row]:
    """All three measurements; a part that fails becomes a NOT MEASURED row."""
    sys.path.insert(0, str(relay.REPO))
    from playwright.sync_api import sync_playwright

    from tests.e2e.chromium import ChromiumBrowser, browser_env, require_chromium
    from tests.e2e.fixture_server import SITE_HOSTS, FixtureServer
    from tests.e2e.tls import make_certificate

    root = home / "inpage"
    cert, key = make_certificate(_mkdir(root / "tls"))
    fixture = FixtureServer(cert, key).start()
    build = _extension_build(home)
    try:
        with relay.relay_server(home) as server, relay.baseline_server(home, "ws") as bare_server, sync_playwright() as pw:
            first = ChromiumBrowser(root / "a", build, fixture.port).start(pw)
            second = ChromiumBrowser(root / "b", build, fixture.port).start(pw)
            rules = ", ".join(f"MAP {h} 127.0.0.1:{fixture.port}" for h in SITE_HOSTS.values())
            bare = pw.chromium.launch_persistent_context(
                str(_mkdir(root / "bare-profile")), executable_path=require_chromium(), headless=True,
                args=["--no-sandbox", "--disable-gpu", f"--host-resolver-rules={rules}, EXCLUDE 127.0.0.1, MAP * ~NOTFOUND",
                      "--ignore-certificate-errors"], env=browser_env(_mkdir(root / "bare-home")),
            )
            try:
                rows = _measure(first, second, bare, server, bare_server)
            finally:
                for browser in (first, second):
                    browser.stop()
            try:
                return [*rows, _guard(AGENT_SYNC, SYNC_GOAL, lambda: _agent_sync_row(pw, root, build, fixture.port, server, bare_server))]
            finally:
                bare.close()
    finally:
        fixture.stop()


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _guard(name: str, goal: str, measure: Any) -> Row:
    try:
        return measure()
    except Exception as exc:  # noqa: BLE001 - a browser hiccup must not cost the other rows
        return Row(name, f"failed to run: {type(exc).__name__}: {exc}"[:300], goal, met=None)


def _measure(first: Any, second: Any, bare: Any, server: relay.ServerProcess, bare_server: relay.ServerProcess) -> list[Row]:
    from tests.e2e.options_page import sign_in_direct
    from tests.e2e.relay import Account

    account = Account(relay.TENANT, "u00000", PASSWORD)
    for browser in (first, second):
        sign_in_direct(browser, server.base_url, account, timeout=30).close()
    return [
        _guard("7. pane inserted to timer visible", "p95 <= 50 ms", lambda: _pane_row(first, bare)),
        _guard("7. main-thread time per mutation batch", "<= 1 ms per batch", lambda: _mutation_row(first, bare)),
        _guard("7. click in browser A to data-state in browser B", SYNC_GOAL,
               lambda: _sync_row(first, second, bare_server, "direct transport", [DIRECT_NOTE])),
    ]


AGENT_SYNC = "7. click in browser A to data-state in browser B (same user, through agent and relay)"
SYNC_GOAL = "p50 <= 50 ms, p99 <= 150 ms"
DIRECT_NOTE = "both browsers use the extension's direct transport (relay websocket); the agent row is the issue's path"


def _agent_sync_row(pw: Any, root: Path, build: Path, fixture_port: int, server: relay.ServerProcess,
                    bare_server: relay.ServerProcess) -> Row:
    """Two Chromiums whose extension reaches one logged-in agent (native messaging)."""
    from tests.e2e.agent import Agent
    from tests.e2e.chromium import ChromiumBrowser
    from tests.e2e.options_page import open_options
    from tests.e2e.relay import Account

    agent = Agent(_mkdir(root / "agent"))
    agent.login(server.base_url, Account(relay.TENANT, "u00001", PASSWORD))
    agent.start()
    browsers: list[Any] = []
    try:
        for name in ("agent-a", "agent-b"):
            browser = ChromiumBrowser(root / name, build, fixture_port, env=agent.browser_env)
            agent.install("chromium", browser.native_messaging_dir)
            browsers.append(browser.start(pw))
            tab = open_options(browser)
            tab.wait_for("document.querySelector('[data-role=\"status\"]')?.dataset.state === 'agent'", timeout=30)
            tab.close()
        return _sync_row(browsers[0], browsers[1], bare_server, "through agent and relay",
                         ["the click travels A -> native host -> agent -> relay (REST); the event relay -> agent (websocket) -> native host -> B"])
    finally:
        for browser in browsers:
            browser.stop()
        agent.stop()


def _asana_tab(browser: Any) -> Any:
    """A signed-in tab on the Asana task pane fixture, its timer rendered."""
    from tests.e2e.surface import DETAIL, open_task

    tab = browser.new_tab()
    open_task(tab, DETAIL["asana"], timeout=20)
    return tab


def _pane_times(page: Any, with_timer: bool) -> list[float]:
    from tests.e2e.surface import DETAIL, NEXT

    times = []
    for n in range(PANE_ROUNDS):
        target = NEXT["asana"] if n % 2 == 0 else DETAIL["asana"]
        times.append(page.evaluate(js.PANE_TO_TIMER, [target.path, target.external_id, with_timer]))
        time.sleep(0.05)
    return times


def _pane_row(first: Any, bare: Any) -> Row:
    from tests.e2e.surface import DETAIL

    ours = _pane_times(_asana_tab(first).page, True)
    bare_page = bare.new_page()
    bare_page.goto(DETAIL["asana"].url, wait_until="load")
    base = _pane_times(bare_page, False)
    shown = [t for t in ours if t >= 0]
    p95, base_p95 = percentile(shown, 0.95), percentile([t for t in base if t >= 0], 0.95)
    return Row(
        "7. pane inserted to timer visible (Asana fixture, SPA navigation)",
        f"p50 {fmt(percentile(shown, 0.5))} / p95 {fmt(p95)} / max {fmt(max(shown, default=float('nan')))} ms"
        f" ({len(shown)}/{len(ours)} shown within 5 s)",
        "p95 <= 50 ms", f"p95 {fmt(base_p95)} ms (insertion to next frame, no extension)", ratio(p95, base_p95),
        len(shown) == len(ours) and p95 <= 50,
    )


#: Main-thread work Chrome accounts per renderer (seconds, cumulative): the content
#: script's JavaScript plus the style and layout work it forces.
MAIN_THREAD_METRICS = ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


def _main_thread_ms(page: Any, context: Any) -> tuple[float, int, dict[str, float]]:
    """Main-thread time per mutation batch (ms) on the grown page, its node count, and
    the per-metric split."""
    nodes = page.evaluate(js.GROW, 5000)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    time.sleep(0.5)
    before = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    for _ in range(BATCHES):
        page.evaluate(js.MUTATE)
        time.sleep(BATCH_GAP_SECONDS)
    after = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    split = {name: 1000 * (after[name] - before[name]) / BATCHES for name in MAIN_THREAD_METRICS}
    return sum(split.values()), nodes, split


def _split_text(split: dict[str, float]) -> str:
    return ", ".join(f"{name.replace('Duration', '')} {fmt(value)} ms" for name, value in split.items())


def _mutation_row(first: Any, bare: Any) -> Row:
    from tests.e2e.surface import DETAIL

    tab = _asana_tab(first)
    _total, nodes, split = _main_thread_ms(tab.page, first.context)
    bare_page = bare.new_page()
    bare_page.goto(DETAIL["asana"].url, wait_until="load")
    _base_total, _, base_split = _main_thread_ms(bare_page, bare)
    # Layout is the page's own work and swings by more than the whole budget between
    # two runs of the same page; script and style are what the content script adds.
    ours = split["ScriptDuration"] + split["RecalcStyleDuration"]
    base = base_split["ScriptDuration"] + base_split["RecalcStyleDuration"]
    extension = ours - base
    return Row(
        f"7. main-thread time per mutation batch ({nodes:,}-node page, 20 rows replaced per batch)",
        f"{fmt(extension)} ms per batch added by the extension (script + style: {fmt(ours)} ms with it, {BATCHES} batches)",
        "<= 1 ms per batch", f"{fmt(base)} ms script + style per batch without the extension (same page, same batches)",
        ratio(ours, base), extension <= 1.0,
        [(f"from Chrome's own accounting (CDP Performance.getMetrics), with the extension minus without; "
          f"with: {_split_text(split)}; without: {_split_text(base_split)} (layout left out: it is the page's and noisy)")],
    )


def _wait_changes(page: Any, count: int, timeout: float = 5.0) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        changes = page.evaluate("() => window.__benchChanges")
        if len(changes) > count:
            return changes
        time.sleep(0.01)
    return page.evaluate("() => window.__benchChanges")


def _sync_times(sender: Any, receiver: Any, send: Any) -> list[float]:
    """Latencies (ms) from ``send()``'s epoch time to the receiver's next recorded change."""
    latencies = []
    for _ in range(SYNC_ROUNDS):
        count = len(receiver.evaluate("() => window.__benchChanges"))
        sent_at = send()
        changes = _wait_changes(receiver, count)
        if len(changes) > count:
            latencies.append(changes[count][0] - sent_at)
        time.sleep(0.15)  # the sender's own state settles before the next click
    return latencies


def _sync_row(first: Any, second: Any, bare_server: relay.ServerProcess, path: str, notes: list[str]) -> Row:
    from tests.e2e.surface import DETAIL

    css = f'.TaskPane taskclock-timer[data-source="asana"][data-external-id="{DETAIL["asana"].external_id}"]'
    tab_a, tab_b = _asana_tab(first), _asana_tab(second)
    tab_b.page.evaluate(js.WATCH, css)
    ours = _sync_times(tab_a.page, tab_b.page, lambda: tab_a.page.evaluate(js.CLICK, css))
    url = f"ws://127.0.0.1:{bare_server.port}/"
    bare_a, bare_b = first.context.new_page(), second.context.new_page()
    for page in (bare_a, bare_b):
        page.goto(f"http://127.0.0.1:{bare_server.port}/")  # a plain origin for page-world sockets
    bare_b.evaluate(js.BARE_LISTEN, [url, 1])
    bare_a.evaluate(js.BARE_TRIGGER, url)
    base = _sync_times(bare_a, bare_b, lambda: bare_a.evaluate(js.BARE_SEND, 1))
    p50, p99 = percentile(ours, 0.5), percentile(ours, 0.99)
    return Row(
        f"7. click in browser A to data-state in browser B (same user, {path})",
        f"p50 {fmt(p50)} / p99 {fmt(p99)} ms ({len(ours)}/{SYNC_ROUNDS} arrived)",
        "p50 <= 50 ms, p99 <= 150 ms",
        f"p50 {fmt(percentile(base, 0.5))} / p99 {fmt(percentile(base, 0.99))} ms (page-world websockets, bare server)",
        ratio(p99, percentile(base, 0.99)), len(ours) == SYNC_ROUNDS and p50 <= 50 and p99 <= 150, notes,
    )
