import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller } from '../../extension/background/controller.js';
import { RelayError } from '../../extension/background/relay_http.js';
import { tick } from './dom_env.js';

function memoryStore(initial = {}) {
  const data = { ...initial };
  return { data, get: async (key) => ({ [key]: data[key] }), set: async (items) => Object.assign(data, items) };
}

function fakeTransport(kind, answers = {}, { helloResult } = {}) {
  const transport = {
    kind, calls: [], stopped: false, handlers: null,
    async start() {
      if (helloResult instanceof Error) throw helloResult;
      return helloResult;
    },
    stop() { this.stopped = true; },
    async call(op, args, options) {
      this.calls.push([op, args, options?.idempotencyKey]);
      const answer = answers[op];
      if (answer instanceof Error) throw answer;
      return typeof answer === 'function' ? answer(args) : answer ?? {};
    },
  };
  return transport;
}

function fakeSession({ signedIn = false, signInError = null } = {}) {
  return {
    signedIn, credentials: signedIn ? { user: { id: 1, username: 'ann', role: 'staff' } } : null, signIns: [],
    async load() {},
    isSignedIn() { return this.signedIn; },
    publicSettings() { return { relay: 'http://127.0.0.1:8765', tenant: 'acme', username: 'ann', auto_login: false }; },
    async signIn(form) {
      this.signIns.push(form);
      if (signInError) throw signInError;
      this.signedIn = true;
      this.credentials = { user: { id: 1, username: 'ann', role: 'staff' } };
    },
    async signOut() { this.signedIn = false; this.credentials = null; },
  };
}

async function ready(instance) {
  await instance.init();
  await instance.connecting;
  await tick(5);
}

const TODAY = { date: '2026-11-26', time_zone: 'UTC', total_seconds: 60, tasks: [{ task_id: 3, seconds: 60 }], timer: null, attendance: { state: 'out', since: null, today_seconds: 0 } };

const created = [];
after(() => {
  // Controllers keep timers (day rollover, agent retry) like a real background does.
  for (const instance of created) {
    clearInterval(instance.dayTimer);
    clearTimeout(instance.agentRetryTimer);
    clearTimeout(instance.todayTimer);
  }
});

function controller({ agent, direct, session, sessionStore = memoryStore(), localStore = memoryStore() }) {
  const opened = [];
  const made = { agent: [], direct: [] };
  const instance = new Controller({
    session,
    makeAgent: (handlers) => { const t = agent(); t.handlers = handlers; made.agent.push(t); return t; },
    makeDirect: (handlers) => { const t = direct(); t.handlers = handlers; made.direct.push(t); return t; },
    sessionStore, localStore,
    openTab: async (url) => opened.push(url),
    extensionUrl: (path) => `chrome-extension://id/${path}`,
    version: '0.1.0', browser: 'chrome',
  });
  created.push(instance);
  return { instance, made, opened, sessionStore, localStore };
}

test('the agent wins when its host answers hello signed in', async () => {
  const { instance, made } = controller({
    agent: () => fakeTransport('agent', { today: TODAY }, { helloResult: { signed_in: true, connected: true, user: { id: 1, username: 'ann', role: 'staff' } } }),
    direct: () => fakeTransport('direct', { today: TODAY }),
    session: fakeSession({ signedIn: true }),
  });
  await ready(instance);
  assert.equal(instance.transport.kind, 'agent');
  assert.equal(made.direct.length, 0);
  assert.equal((await instance.status()).status, 'agent');
  assert.equal(instance.state.todayByTask[3], 60);
  clearTimeout(instance.agentRetryTimer);
});

test('no agent: the direct transport with the stored sign-in; none: signed-out', async () => {
  const noAgent = () => fakeTransport('agent', {}, { helloResult: new RelayError(0, 'agent_unavailable', 'no host') });
  const direct = controller({ agent: noAgent, direct: () => fakeTransport('direct', { today: TODAY }), session: fakeSession({ signedIn: true }) });
  await ready(direct.instance);
  assert.equal(direct.instance.transport.kind, 'direct');
  assert.equal((await direct.instance.status()).status, 'signed-in');
  clearTimeout(direct.instance.agentRetryTimer);
  const none = controller({ agent: noAgent, direct: () => fakeTransport('direct'), session: fakeSession() });
  await ready(none.instance);
  assert.equal(none.instance.transport, null);
  assert.equal((await none.instance.status()).status, 'signed-out');
  await assert.rejects(none.instance.request('timer.stop', {}), (e) => e.code === 'not_authenticated');
  clearTimeout(none.instance.agentRetryTimer);
});

test('an agent without a login is not used', async () => {
  const { instance } = controller({
    agent: () => fakeTransport('agent', {}, { helloResult: { signed_in: false } }),
    direct: () => fakeTransport('direct', { today: TODAY }),
    session: fakeSession(),
  });
  await ready(instance);
  assert.equal((await instance.status()).status, 'signed-out');
  clearTimeout(instance.agentRetryTimer);
});

test('a failed sign-in keeps the status signed-out; a good one starts the direct transport', async () => {
  const noAgent = () => fakeTransport('agent', {}, { helloResult: new RelayError(0, 'agent_unavailable', 'no host') });
  const bad = controller({ agent: noAgent, direct: () => fakeTransport('direct', { today: TODAY }), session: fakeSession({ signInError: new RelayError(401, 'invalid_credentials', 'wrong password') }) });
  await assert.rejects(bad.instance.signIn({ relay: 'http://127.0.0.1:8765', tenant: 'acme', username: 'ann', password: 'x' }), /wrong password/);
  assert.equal((await bad.instance.status()).status, 'signed-out');
  clearTimeout(bad.instance.agentRetryTimer);
  const good = controller({ agent: noAgent, direct: () => fakeTransport('direct', { today: TODAY }), session: fakeSession() });
  const status = await good.instance.signIn({ relay: 'http://127.0.0.1:8765', tenant: 'acme', username: 'ann', password: 'y' });
  assert.equal(status.status, 'signed-in');
  clearTimeout(good.instance.agentRetryTimer);
});

test('commands carry fresh idempotency keys and update the state at once', async () => {
  const timer = { task_id: 3, state: 'running', elapsed_seconds: 0, as_of: new Date().toISOString() };
  const { instance, made } = controller({
    agent: () => fakeTransport('agent', {}, { helloResult: new RelayError(0, 'agent_unavailable', 'x') }),
    direct: () => fakeTransport('direct', {
      today: TODAY,
      'timer.start': { timer, stopped_entry: null },
      'timer.stop': { entry: { id: 70, task_id: 3, date: '2026-11-26', duration_seconds: 30 } },
      resolve: (args) => ({ items: args.items.map((item, i) => ({ task_id: i + 3, trackable: true, external: item.external_id })) }),
      'attendance.toggle': { attendance: { state: 'in', since: '2026-11-26T08:00:00Z', today_seconds: 0 } },
    }),
    session: fakeSession({ signedIn: true }),
  });
  await ready(instance);
  const resolved = await instance.request('tasks.resolve', { items: [{ source: 'trello', taskId: 'Ab12', title: 't', url: 'https://trello.com/c/Ab12', project: { id: 'b1', name: 'Board' }, projectCount: 1, parentId: null, section: null }] });
  assert.equal(resolved.items[0].external, 'Ab12');
  const direct = made.direct[0];
  assert.deepEqual(direct.calls.find(([op]) => op === 'resolve')[1].items[0].project, { external_id: 'b1', name: 'Board' });
  await instance.request('timer.start', { task_id: 3 });
  assert.equal(instance.state.timer.task_id, 3);
  await instance.request('timer.stop', {});
  assert.equal(instance.state.timer, null);
  assert.equal(instance.state.todayByTask[3], 90);
  await instance.request('attendance.toggle', {});
  assert.equal(instance.state.attendance.state, 'in');
  assert.ok(instance.state.attendance.as_of, 'stamped for counting on');
  const keys = direct.calls.filter(([op]) => ['timer.start', 'timer.stop', 'attendance.toggle'].includes(op)).map(([, , key]) => key);
  assert.equal(keys.length, 3);
  assert.equal(new Set(keys).size, 3);
  for (const key of keys) assert.match(key, /^[0-9a-f-]{36}$/);
  assert.equal(direct.calls.find(([op]) => op === 'today')[2], undefined, 'reads carry no key');
  clearTimeout(instance.agentRetryTimer);
});

test('live events reach every content port and storage.session; a restarted worker answers from it', async () => {
  const sessionStore = memoryStore();
  const setup = () => controller({
    agent: () => fakeTransport('agent', {}, { helloResult: new RelayError(0, 'agent_unavailable', 'x') }),
    direct: () => fakeTransport('direct', { today: new Promise(() => {}) }), // the relay is slow to answer
    session: fakeSession({ signedIn: true }),
    sessionStore,
  });
  const first = setup();
  first.instance.dispatch({ type: 'session', signedIn: true, mode: 'direct' });
  const port = { messages: [], postMessage(m) { this.messages.push(m); } };
  first.instance.addPort(port);
  first.instance.onFrame({ type: 'event', seq: 12, name: 'timer.started', data: { timer: { task_id: 5, state: 'running', elapsed_seconds: 0, as_of: new Date().toISOString() } } });
  await tick(150);
  assert.equal(port.messages.at(-1).type, 'state');
  assert.equal(port.messages.at(-1).state.timer.task_id, 5);
  assert.equal(sessionStore.data.state.seq, 12);
  const second = setup();
  second.instance.init();
  await tick(5);
  const answer = await Promise.race([second.instance.request('state.get'), tick(50).then(() => 'slow')]);
  assert.notEqual(answer, 'slow');
  clearTimeout(first.instance.agentRetryTimer);
  clearTimeout(second.instance.agentRetryTimer);
});

test('diagnostics accumulate per site and pattern; page.open opens extension pages', async () => {
  const { instance, localStore, opened } = controller({
    agent: () => fakeTransport('agent', {}, { helloResult: new RelayError(0, 'agent_unavailable', 'x') }),
    direct: () => fakeTransport('direct'),
    session: fakeSession(),
  });
  await instance.request('diagnostics.report', { site: 'jira', pattern: 'jira:/browse/:key', misses: 1, mounted: 2 });
  await instance.request('diagnostics.report', { site: 'jira', pattern: 'jira:/browse/:key', misses: 1, mounted: 0 });
  await instance.recordDropped('foreign-sender');
  assert.deepEqual(localStore.data.diagnostics.sites.jira, { misses: 2, mounted: 2, patterns: { 'jira:/browse/:key': 2 } });
  assert.equal(localStore.data.diagnostics.dropped['foreign-sender'], 1);
  await instance.request('page.open', { page: 'timesheet', month: '2026-10' });
  assert.deepEqual(opened, ['chrome-extension://id/timesheet.html?month=2026-10']);
  clearTimeout(instance.agentRetryTimer);
});

test('past midnight in the user zone, today is read again', async () => {
  let now = Date.parse('2026-11-26T22:59:00Z');
  const todays = [];
  const { instance } = controller({
    agent: () => fakeTransport('agent', {}, { helloResult: new RelayError(0, 'agent_unavailable', 'x') }),
    direct: () => fakeTransport('direct', { today: () => { todays.push(now); return { ...TODAY, time_zone: 'Europe/Berlin' }; } }),
    session: fakeSession({ signedIn: true }),
  });
  instance.deps.now = () => now;
  await ready(instance);
  const reads = todays.length;
  instance.checkDayRollover();
  assert.equal(todays.length, reads, '23:59 in Berlin is still 2026-11-26');
  now = Date.parse('2026-11-26T23:01:00Z');
  instance.checkDayRollover();
  await tick(5);
  assert.equal(todays.length, reads + 1, '00:01 in Berlin is a new day');
  clearInterval(instance.dayTimer);
  clearTimeout(instance.agentRetryTimer);
});

test('relay down, agent up: a queued start shows at once (the agent\'s optimistic today), still through the agent', async () => {
  let queued = false;
  const optimistic = { task_id: 3, state: 'running', started_at: '2026-11-26T09:00:00Z', elapsed_seconds: 0, as_of: '2026-11-26T09:00:00Z', optimistic: true };
  const { instance, made } = controller({
    agent: () => fakeTransport('agent', {
      today: () => (queued ? { ...TODAY, timer: optimistic, optimistic: true } : TODAY),
      'timer.start': () => { queued = true; return { queued: true }; },
    }, { helloResult: { signed_in: true, connected: true, user: { id: 1, username: 'ann', role: 'staff' } } }),
    direct: () => fakeTransport('direct', { today: TODAY }),
    session: fakeSession({ signedIn: true }),
  });
  await ready(instance);
  instance.onFrame({ type: 'status', connected: false, signed_in: true, outbox: 0 });
  const answer = await instance.request('timer.start', { task_id: 3 });
  assert.equal(answer.queued, true);
  assert.equal(instance.state.timer?.task_id, 3, 'the click shows without waiting for the relay');
  assert.equal(instance.state.timer.state, 'running');
  assert.equal(instance.transport.kind, 'agent');
  assert.equal(made.direct.length, 0, 'the direct transport cannot reach a relay that is down');
  assert.equal(made.agent[0].calls.filter(([op]) => op === 'timer.start').length, 1);
  clearTimeout(instance.agentRetryTimer);
});
