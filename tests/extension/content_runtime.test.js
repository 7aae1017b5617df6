import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';
import asana from '../../extension/sites/asana.js';
import jira from '../../extension/sites/jira.js';
import trello from '../../extension/sites/trello.js';
import { ANCHOR_GRACE_MS, ContentRuntime, plainTask } from '../../extension/content/runtime.js';
import { SCAN_GAP_MS, WAITING_SCAN_GAP_MS } from '../../extension/content/scan_schedule.js';
import { tick } from './dom_env.js';

const HOSTS = { asana: 'app.asana.com', jira: 'acme.atlassian.net', trello: 'trello.com' };
const SITES = { asana, jira, trello };

function load(site, view) {
  const html = readFileSync(new URL(`../fixtures/sites/${site}/${view}.html`, import.meta.url), 'utf8');
  const path = /<meta\s+name="taskclock-fixture-url"\s+content="([^"]+)"/.exec(html)[1].replaceAll('&amp;', '&');
  return new JSDOM(html, { url: `https://${HOSTS[site]}${path}`, pretendToBeVisual: true }).window;
}

function fakeLink() {
  const requests = [];
  let nextId = 1;
  const ids = new Map();
  return {
    requests,
    async request(type, payload) {
      requests.push([type, payload]);
      if (type === 'tasks.resolve') {
        return {
          items: payload.items.map((item) => {
            if (!ids.has(item.taskId)) ids.set(item.taskId, nextId++);
            const blocked = item.parentId ? 'subtask' : item.projectCount > 1 ? 'multi-project' : item.projectCount === 0 ? 'no-project' : null;
            return { task_id: ids.get(item.taskId), trackable: !blocked, reason: blocked ?? undefined, billable: false, today_seconds: 0, total_seconds: 0, running: false };
          }),
        };
      }
      return {};
    },
  };
}

const SIGNED_IN = { signedIn: true, mode: 'direct', user: { id: 1, username: 'ann', role: 'staff' }, date: '2026-11-26', todayByTask: {}, timer: null, attendance: { state: 'out', today_seconds: 0 }, tasks: {} };

async function start(siteName, view, { state = SIGNED_IN } = {}) {
  const window = load(siteName, view);
  const link = fakeLink();
  let offset = 0;
  const runtime = new ContentRuntime({ window, site: SITES[siteName], link, now: () => Date.now() + offset });
  runtime.setState(state);
  runtime.start();
  await tick(20);
  return {
    window, document: window.document, link, runtime,
    advance: (ms) => { offset += ms; },
    timers: (id) => [...window.document.querySelectorAll(id ? `taskclock-timer[data-external-id="${id}"]` : 'taskclock-timer')],
    done: () => { runtime.stop(); window.close(); },
  };
}

test('asana task pane: one timer beside the title, compact timers in rows, a badge by the avatar', async () => {
  const page = await start('asana', 'task-pane');
  try {
    const detail = page.timers('1202000000000201').filter((t) => !t.hasAttribute('data-variant'));
    assert.equal(detail.length, 1);
    assert.equal(detail[0].getAttribute('data-source'), 'asana');
    assert.equal(detail[0].hasAttribute('data-placement'), false);
    assert.ok(detail[0].closest('.TaskPane'), 'inside the task pane');
    assert.ok(page.document.querySelectorAll('taskclock-timer[data-variant="compact"]').length >= 2);
    assert.equal(page.document.querySelectorAll('taskclock-attendance').length, 1);
    await tick(20);
    assert.equal(detail[0].getAttribute('data-state'), 'idle');
    assert.ok(page.link.requests.some(([type]) => type === 'tasks.resolve'));
  } finally {
    page.done();
  }
});

test('a site re-render that drops the widget gets exactly one back', async () => {
  const page = await start('asana', 'task-pane');
  try {
    const pane = page.document.querySelector('.TaskPane');
    const copy = pane.cloneNode(true);
    for (const ours of copy.querySelectorAll('taskclock-timer')) ours.remove();
    pane.replaceWith(copy);
    await tick(250);
    const inPane = page.document.querySelectorAll('.TaskPane taskclock-timer[data-external-id="1202000000000201"]');
    assert.equal(inPane.length, 1);
    page.runtime.scan();
    page.runtime.scan();
    assert.equal(page.document.querySelectorAll('.TaskPane taskclock-timer[data-external-id="1202000000000201"]').length, 1);
  } finally {
    page.done();
  }
});

test('a re-render that clones our widget (without its shadow root) never leaves two', async () => {
  const page = await start('asana', 'task-pane');
  try {
    const pane = page.document.querySelector('.TaskPane');
    pane.replaceWith(pane.cloneNode(true)); // the clone carries a dead copy of our host
    await tick(250);
    const inPane = page.document.querySelectorAll('.TaskPane taskclock-timer[data-external-id="1202000000000201"]');
    assert.equal(inPane.length, 1);
    assert.ok(inPane[0].shadowRoot, 'the live widget, not the dead copy');
  } finally {
    page.done();
  }
});

test('navigating to another task moves the detail timer, no duplicates', async () => {
  const page = await start('asana', 'task-pane');
  try {
    page.window.history.pushState({}, '', '/0/1201000000000101/1202000000000202');
    page.runtime.scan();
    await tick(20);
    const detailTimers = [...page.document.querySelectorAll('taskclock-timer:not([data-variant])')];
    assert.equal(detailTimers.length, 1);
    assert.equal(detailTimers[0].getAttribute('data-external-id'), '1202000000000202');
  } finally {
    page.done();
  }
});

// What Asana's router does on a click: push the task's URL, then render a new pane.
function routeTo(page, taskId) {
  page.window.history.pushState({}, '', `/0/1201000000000101/${taskId}`);
  const pane = page.document.querySelector('.TaskPane').cloneNode(true);
  for (const ours of pane.querySelectorAll('taskclock-timer')) ours.remove();
  pane.dataset.taskId = taskId;
  pane.querySelector('.TaskPaneTitle textarea').value = `Task ${taskId}`;
  page.document.querySelector('.TaskPane').replaceWith(pane);
}
const paneTimer = (page, id) => page.document.querySelector(`.TaskPane taskclock-timer[data-external-id="${id}"]:not([data-variant])`);

test('a pane inserted after a quiet spell has its timer before the next frame, not after a debounce', async () => {
  const page = await start('asana', 'task-pane');
  try {
    await tick(SCAN_GAP_MS + 20); // quiet
    routeTo(page, '1202000000000202');
    await tick(0); // the observer's callback (a microtask) and nothing more
    const timer = paneTimer(page, '1202000000000202');
    assert.ok(timer, 'timer in the new pane at once');
    assert.equal(timer.getAttribute('data-state'), 'idle', 'drawn in its state at once, before the resolve answers');
    assert.equal(page.document.querySelectorAll('taskclock-timer:not([data-variant])').length, 1);
  } finally {
    page.done();
  }
});

test('a pane inserted right after a scan waits about a frame, not the full gap', async () => {
  const page = await start('asana', 'task-pane');
  try {
    page.runtime.scan(); // the gap has just begun
    routeTo(page, '1202000000000202');
    await tick(WAITING_SCAN_GAP_MS + 20);
    assert.ok(paneTimer(page, '1202000000000202'), 'placed well within the gap');
    assert.ok(WAITING_SCAN_GAP_MS + 20 < SCAN_GAP_MS);
    routeTo(page, '1202000000000201'); // and back, again inside a fresh gap
    await tick(WAITING_SCAN_GAP_MS + 20);
    assert.ok(paneTimer(page, '1202000000000201'));
    assert.equal(page.document.querySelectorAll('taskclock-timer:not([data-variant])').length, 1);
  } finally {
    page.done();
  }
});

test('a page that never stops mutating pays for at most one scan per gap, and is not starved', async () => {
  const page = await start('asana', 'task-pane');
  try {
    await tick(SCAN_GAP_MS + 20);
    let scans = 0;
    const scan = page.runtime.scan.bind(page.runtime);
    page.runtime.scan = () => { scans += 1; scan(); };
    const list = page.document.body.appendChild(page.document.createElement('div'));
    const started = Date.now();
    let batches = 0;
    while (Date.now() - started < 3 * SCAN_GAP_MS) {
      list.replaceChildren(page.document.createElement('span'));
      batches += 1;
      await tick(5);
    }
    const elapsed = Date.now() - started;
    assert.ok(batches >= 20, `a storm: ${batches} batches`);
    assert.ok(scans >= 2, `scans run during the storm (${scans}), not only after it`);
    assert.ok(scans <= Math.ceil(elapsed / SCAN_GAP_MS) + 1, `${scans} scans in ${elapsed} ms`);
  } finally {
    page.done();
  }
});

test('missing anchor: floating after the grace period, and the miss is reported once', async () => {
  const page = await start('asana', 'missing-anchor');
  try {
    const [timer] = page.timers('1202000000000240');
    assert.equal(timer, undefined, 'not yet: the pane may still be rendering');
    page.advance(ANCHOR_GRACE_MS + 10);
    page.runtime.scan();
    const floating = page.timers('1202000000000240');
    assert.equal(floating.length, 1);
    assert.equal(floating[0].getAttribute('data-placement'), 'floating');
    page.runtime.scan();
    page.runtime.scan();
    const reports = page.link.requests.filter(([type, p]) => type === 'diagnostics.report' && p.misses > 0);
    assert.equal(reports.length, 1);
    assert.equal(reports[0][1].site, 'asana');
    assert.equal(reports[0][1].misses, 1);
    assert.match(reports[0][1].pattern, /:task|\/0\//);
  } finally {
    page.done();
  }
});

test('a click on the timer starts it through the background; blocked tasks never start', async () => {
  const page = await start('asana', 'task-pane');
  try {
    await tick(20);
    const [timer] = page.timers('1202000000000201').filter((t) => !t.hasAttribute('data-variant'));
    timer.shadowRoot.querySelector('button[data-action="toggle"]').click();
    await tick(20);
    const start = page.link.requests.find(([type]) => type === 'timer.start');
    assert.ok(start);
    assert.equal(typeof start[1].task_id, 'number');
  } finally {
    page.done();
  }
  const subtask = await start('asana', 'subtask');
  try {
    await tick(20);
    const detail = [...subtask.document.querySelectorAll('taskclock-timer:not([data-variant])')];
    assert.equal(detail.length, 1);
    assert.equal(detail[0].getAttribute('data-state'), 'blocked');
    assert.equal(detail[0].getAttribute('data-reason'), 'subtask');
    detail[0].shadowRoot.querySelector('button[data-action="toggle"]').click();
    await tick(20);
    assert.equal(subtask.link.requests.some(([type]) => type === 'timer.start'), false);
  } finally {
    subtask.done();
  }
});

test('signed out: timers say so and ask for nothing from the relay', async () => {
  const page = await start('trello', 'card', { state: { signedIn: false } });
  try {
    const timers = page.timers();
    assert.ok(timers.length >= 1);
    for (const timer of timers) assert.equal(timer.getAttribute('data-state'), 'signed-out');
    assert.equal(page.link.requests.some(([type]) => type === 'tasks.resolve'), false);
    timers[0].shadowRoot.querySelector('button[data-action="toggle"]').click();
    await tick(10);
    assert.deepEqual(page.link.requests.find(([type]) => type === 'page.open'), ['page.open', { page: 'options' }]);
  } finally {
    page.done();
  }
});

test('signing in resolves the page\'s tasks at once (before the relay may go down)', async () => {
  const page = await start('jira', 'issue', { state: { signedIn: false } });
  try {
    assert.equal(page.link.requests.some(([type]) => type === 'tasks.resolve'), false);
    page.runtime.setState(SIGNED_IN);
    assert.ok(page.link.requests.some(([type]) => type === 'tasks.resolve'), 'asked in the same turn as the widget leaves signed-out');
  } finally {
    page.done();
  }
});

test('running state ticks data-today-seconds from the pushed state', async () => {
  const page = await start('jira', 'issue');
  try {
    await tick(20);
    const [detail] = [...page.document.querySelectorAll('taskclock-timer:not([data-variant])')];
    assert.equal(detail.getAttribute('data-source'), 'jira');
    const view = page.runtime.views.get(detail.getAttribute('data-external-id'));
    page.runtime.setState({ ...SIGNED_IN, todayByTask: { [view.task_id]: 100 }, timer: { task_id: view.task_id, state: 'running', elapsed_seconds: 20, as_of: new Date(Date.now() - 5_000).toISOString() } });
    assert.equal(detail.getAttribute('data-state'), 'running');
    const seconds = Number(detail.getAttribute('data-today-seconds'));
    assert.ok(seconds >= 125 && seconds <= 126, String(seconds));
  } finally {
    page.done();
  }
});

test('plainTask keeps only what the background accepts', () => {
  const task = plainTask({ source: 'trello', taskId: 'Xy12Ab34', title: 't', url: 'https://trello.com/c/Xy12Ab34', project: { id: 'b', name: 'B', extra: 1 }, projectCount: 1, parentId: undefined, section: 'Doing', dom: {} });
  assert.deepEqual(task, { source: 'trello', taskId: 'Xy12Ab34', title: 't', url: 'https://trello.com/c/Xy12Ab34', project: { id: 'b', name: 'B' }, projectCount: 1, parentId: null, section: 'Doing' });
});

test('a pane still showing the previous task is not resolved under the new id', async () => {
  const window = new JSDOM('<!doctype html><body><h1 id="title">Old task</h1></body>', { url: 'https://trello.com/c/NEW1/2-new', pretendToBeVisual: true }).window;
  const staleSite = {
    name: 'trello',
    urlTaskId: (location) => /\/c\/([^/]+)/.exec(location.pathname)?.[1] ?? null,
    urlPattern: () => 'trello:/c/:card',
    detailTask: (doc) => ({ source: 'trello', taskId: 'OLD1', title: doc.getElementById('title').textContent, url: 'https://trello.com/c/OLD1', project: { id: 'b', name: 'B' }, projectCount: 1, parentId: null, section: null }),
    detailAnchor: (doc) => ({ element: doc.getElementById('title'), position: 'beforeend' }),
    listItems: () => [],
    avatarAnchor: () => null,
    darkMode: () => false,
  };
  const link = fakeLink();
  const runtime = new ContentRuntime({ window, site: staleSite, link });
  runtime.setState(SIGNED_IN);
  runtime.start();
  await tick(20);
  try {
    const timers = window.document.querySelectorAll('taskclock-timer');
    assert.equal(timers.length, 1);
    assert.equal(timers[0].getAttribute('data-external-id'), 'NEW1');
    const resolved = link.requests.filter(([type]) => type === 'tasks.resolve').flatMap(([, p]) => p.items);
    assert.deepEqual(resolved, [], 'nothing resolved while the pane shows another task');
  } finally {
    runtime.stop();
    window.close();
  }
});
