"""The JavaScript benchmark 7 runs in the fixture pages (page world, not the extension's)."""

from __future__ import annotations

#: Navigate the Asana fixture to ``path``; resolve with {inserted, shown} in ms after the
#: new pane was inserted: ``shown`` is the first animation frame after the task's
#: <taskclock-timer> exists with a data-state and a box (without the extension: the
#: first frame after the insertion, which is the page's own cost).
PANE_TO_TIMER = """
async ([path, taskId, withTimer]) => {
  const css = `taskclock-timer[data-source="asana"][data-external-id="${taskId}"]`;
  return await new Promise((resolve) => {
    let inserted = null;
    const timerShown = () => {
      const el = document.querySelector(`.TaskPane ${css}`);
      return !!el && el.hasAttribute("data-state") && el.getBoundingClientRect().width > 0;
    };
    const finish = () => requestAnimationFrame(() => resolve(performance.now() - inserted));
    const check = () => {
      if (inserted === null && document.querySelector(".TaskPane")?.dataset.taskId === taskId) inserted = performance.now();
      if (inserted !== null && (!withTimer || timerShown())) { observer.disconnect(); finish(); }
    };
    const observer = new MutationObserver(check);
    observer.observe(document, {subtree: true, childList: true, attributes: true});
    setTimeout(() => { observer.disconnect(); resolve(-1); }, 5000);
    window.fixtureNavigate(path);
  });
}
"""

#: Grow the page to ``count`` extra elements (a long list, as on a busy board).
GROW = """
(count) => {
  const list = document.body.appendChild(document.createElement("div"));
  list.id = "bench-list";
  for (let i = 0; i < count; i++) {
    const row = list.appendChild(document.createElement("div"));
    row.className = "bench-row";
    row.textContent = `row ${i}`;
  }
  return document.getElementsByTagName("*").length;
}
"""

#: One mutation batch, as a list re-render does: replace 20 rows in one task.
MUTATE = """
() => {
  const list = document.getElementById("bench-list");
  for (let i = 0; i < 20; i++) {
    list.firstElementChild.remove();
    const row = list.appendChild(document.createElement("div"));
    row.className = "bench-row";
    row.innerHTML = `<span>moved</span> <b>${i}</b>`;
  }
  return list.childElementCount;
}
"""

#: Epoch milliseconds (comparable between two browsers on one machine).
NOW = "() => performance.timeOrigin + performance.now()"

#: Resolve with the epoch time the task's timer's data-state changes from ``before``.
STATE_CHANGE = """
async ([css, before]) => await new Promise((resolve) => {
  const el = document.querySelector(css);
  const done = () => { observer.disconnect(); resolve(performance.timeOrigin + performance.now()); };
  const observer = new MutationObserver(() => { if (el.getAttribute("data-state") !== before) done(); });
  observer.observe(el, {attributes: true, attributeFilter: ["data-state"]});
  if (el.getAttribute("data-state") !== before) done();
  setTimeout(() => { observer.disconnect(); resolve(-1); }, 10000);
})
"""

#: Click the timer's toggle button (inside its shadow root); answer the epoch time.
CLICK = """
(css) => {
  const at = performance.timeOrigin + performance.now();
  document.querySelector(css).shadowRoot.querySelector('button[data-action="toggle"]').click();
  return at;
}
"""

#: Record every data-state change of the timers ``css`` selects (element may be replaced).
WATCH = """
(css) => {
  window.__benchChanges = [];
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.matches?.(css)) window.__benchChanges.push([performance.timeOrigin + performance.now(), r.target.getAttribute("data-state")]);
    }
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-state"]});
  return true;
}
"""

#: Baseline receiver: a page-world socket to the bare server, recording event arrivals.
BARE_LISTEN = """
async ([url, user]) => await new Promise((resolve) => {
  window.__benchChanges = [];
  const ws = new WebSocket(url);
  ws.onopen = () => ws.send(JSON.stringify({type: "hello", token: String(user), since: 0}));
  ws.onmessage = (m) => {
    const d = JSON.parse(m.data);
    if (d.type === "welcome") resolve(true);
    if (d.type === "event") window.__benchChanges.push([performance.timeOrigin + performance.now(), d.name]);
  };
  ws.onerror = () => resolve(false);
})
"""

#: Baseline sender: a page-world trigger socket to the bare server.
BARE_TRIGGER = """
async (url) => await new Promise((resolve) => {
  const ws = new WebSocket(url);
  ws.onopen = () => { ws.send(JSON.stringify({type: "trigger"})); window.__benchTrigger = ws; resolve(true); };
  ws.onerror = () => resolve(false);
})
"""

BARE_SEND = """
(user) => {
  const at = performance.timeOrigin + performance.now();
  window.__benchTrigger.send(JSON.stringify({id: Math.floor(at), user, name: "timer.started"}));
  return at;
}
"""
