import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentTransport } from '../../extension/background/transport_agent.js';
import { DirectTransport } from '../../extension/background/transport_direct.js';
import { LiveSocket, backoffDelay } from '../../extension/background/live_socket.js';
import { OPERATION_NAMES, isStateChanging, restRequest } from '../../extension/background/operations.js';
import { Session } from '../../extension/background/session.js';
import { RelayError, liveUrl, normaliseRelayUrl } from '../../extension/background/relay_http.js';
import { tick } from './dom_env.js';

// ---- fakes ----

function fakeNativePort() {
  const port = { sent: [], listeners: {}, disconnected: false };
  port.postMessage = (m) => port.sent.push(m);
  port.disconnect = () => { port.disconnected = true; };
  port.onMessage = (fn) => { port.listeners.message = fn; };
  port.onDisconnect = (fn) => { port.listeners.disconnect = fn; };
  port.reply = (m) => port.listeners.message(m);
  return port;
}

function memoryStore() {
  const data = {};
  return { data, get: async (key) => ({ [key]: data[key] }), set: async (items) => Object.assign(data, items), remove: async (k) => delete data[k] };
}

function fakeFetch(routes) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, ...init, body: init.body ? JSON.parse(init.body) : undefined });
    const path = new URL(url).pathname + new URL(url).search;
    const handler = routes[`${init.method} ${path}`];
    const [status, body] = handler ? handler(calls.at(-1)) : [404, { error: { code: 'not_found', message: 'no route' } }];
    return { ok: status < 400, status, statusText: String(status), headers: { get: () => null }, text: async () => JSON.stringify(body) };
  };
  return { fetchImpl, calls };
}

class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    FakeSocket.all.push(this);
    setTimeout(() => this.onopen?.(), 0);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code = 1000) { setTimeout(() => this.onclose?.({ code }), 0); }
  serverSends(frame) { this.onmessage?.({ data: JSON.stringify(frame) }); }
  serverCloses(code) { this.onclose?.({ code }); }
}

// ---- operations ----

test('every op maps to the REST call of CONTRACT.md', () => {
  assert.deepEqual(restRequest('timer.start', { task_id: 4 }), { method: 'POST', path: '/timer/start', body: { task_id: 4 } });
  assert.deepEqual(restRequest('entries.update', { entry_id: 9, notes: 'x' }), { method: 'PATCH', path: '/entries/9', body: { notes: 'x' } });
  assert.deepEqual(restRequest('entries.delete', { entry_id: 9 }), { method: 'DELETE', path: '/entries/9', body: undefined });
  assert.deepEqual(restRequest('entries.list', { task_id: 3, from: '2026-11-01' }), { method: 'GET', path: '/entries?task_id=3&from=2026-11-01', body: undefined });
  assert.deepEqual(restRequest('timesheet', { month: '2026-11' }), { method: 'GET', path: '/timesheet?month=2026-11', body: undefined });
  assert.deepEqual(restRequest('tasks.update', { task_id: 2, billable: true }), { method: 'PATCH', path: '/tasks/2', body: { billable: true } });
  assert.deepEqual(restRequest('attendance.toggle', {}), { method: 'POST', path: '/attendance/toggle', body: {} });
  for (const op of ['hello', 'status']) assert.ok(!OPERATION_NAMES.includes(op), 'agent-only ops are not REST');
  for (const op of ['resolve', 'timer.start', 'timer.pause', 'timer.resume', 'timer.stop', 'today', 'attendance.toggle', 'entries.list', 'entries.create', 'entries.update', 'entries.delete', 'timesheet', 'me']) {
    assert.ok(OPERATION_NAMES.includes(op), op);
  }
  assert.equal(isStateChanging('timer.stop'), true);
  assert.equal(isStateChanging('today'), false);
});

test('relay URLs', () => {
  assert.equal(normaliseRelayUrl('http://127.0.0.1:8765/'), 'http://127.0.0.1:8765');
  assert.equal(normaliseRelayUrl('javascript:alert(1)'), null);
  assert.equal(liveUrl('https://relay.example.com', 'acme'), 'wss://relay.example.com/api/v1/acme/live');
  assert.equal(liveUrl('http://127.0.0.1:8765', 'acme'), 'ws://127.0.0.1:8765/api/v1/acme/live');
});

// ---- agent ----

test('agent: hello, request/response by id, idempotency key, pushed frames', async () => {
  const port = fakeNativePort();
  const frames = [];
  const agent = new AgentTransport({ connect: (name) => { assert.equal(name, 'dev.taskclock.agent'); return port; }, onFrame: (f) => frames.push(f) });
  const hello = agent.start({ client: 'taskclock-extension', since: 3 });
  assert.deepEqual(port.sent[0], { id: 'r1', op: 'hello', args: { client: 'taskclock-extension', since: 3 } });
  port.reply({ id: 'r1', ok: true, result: { signed_in: true, protocol: 1 } });
  assert.deepEqual(await hello, { signed_in: true, protocol: 1 });
  const start = agent.call('timer.start', { task_id: 5 }, { idempotencyKey: 'k-1' });
  assert.deepEqual(port.sent[1], { id: 'r2', op: 'timer.start', args: { task_id: 5 }, idempotency_key: 'k-1' });
  const today = agent.call('today', {});
  port.reply({ id: 'r3', ok: true, result: { date: '2026-11-26' } }); // answers may come out of order
  port.reply({ id: 'r2', ok: false, error: { code: 'untrackable', message: 'subtask', reason: 'subtask' } });
  assert.deepEqual(await today, { date: '2026-11-26' });
  await assert.rejects(start, (e) => e instanceof RelayError && e.code === 'untrackable' && e.details.reason === 'subtask');
  port.reply({ type: 'event', seq: 4, name: 'timer.started', data: {} });
  port.reply({ type: 'status', connected: false });
  port.reply({ type: 'unknown' });
  assert.deepEqual(frames.map((f) => f.type), ['event', 'status']);
  assert.throws(() => agent.call('timer.stop', {}), /Idempotency-Key/);
});

test('agent: no host or a silent host rejects the hello; exit fails pending calls', async () => {
  const missing = new AgentTransport({ connect: () => { throw new Error('Specified native messaging host not found.'); } });
  await assert.rejects(missing.start({}), (e) => e.code === 'agent_unavailable');
  const silent = new AgentTransport({ connect: () => fakeNativePort(), helloTimeoutMs: 20 });
  await assert.rejects(silent.start({}), (e) => e.code === 'agent_timeout');
  const port = fakeNativePort();
  let gone = null;
  const agent = new AgentTransport({ connect: () => port, onDisconnected: (reason) => { gone = reason; } });
  const hello = agent.start({});
  port.reply({ id: 'r1', ok: true, result: { signed_in: true } });
  await hello;
  const pending = agent.call('today', {});
  port.listeners.disconnect('Native host has exited.');
  await assert.rejects(pending, (e) => e.code === 'agent_unavailable');
  assert.equal(gone, 'Native host has exited.');
});

// ---- direct: session and HTTP ----

test('sign-in with a wrong password stores nothing', async () => {
  const store = memoryStore();
  const { fetchImpl } = fakeFetch({ 'POST /api/v1/acme/auth/login': () => [401, { error: { code: 'invalid_credentials', message: 'wrong user name or password' } }] });
  const session = new Session({ fetchImpl, store });
  await assert.rejects(session.signIn({ relay: 'http://r', tenant: 'acme', username: 'ann', password: 'bad' }), (e) => e.code === 'invalid_credentials');
  assert.deepEqual(store.data, {});
  assert.equal(session.isSignedIn(), false);
});

test('sign-in stores tokens, never the password; the API token only with auto-login', async () => {
  const answer = () => [200, { access_token: 'A1', refresh_token: 'R1', expires_in: 900, user: { id: 1, username: 'ann', role: 'staff' } }];
  const { fetchImpl, calls } = fakeFetch({ 'POST /api/v1/acme/auth/login': answer, 'POST /api/v1/acme/auth/token-login': answer });
  const store = memoryStore();
  const session = new Session({ fetchImpl, store });
  await session.signIn({ relay: 'http://r', tenant: 'acme', username: 'ann', password: 'secret' });
  assert.equal(store.data.credentials.access_token, 'A1');
  assert.equal(JSON.stringify(store.data).includes('secret'), false);
  await session.signIn({ relay: 'http://r', tenant: 'acme', api_token: 'tc_tok', auto_login: false });
  assert.equal(store.data.credentials.api_token, undefined);
  await session.signIn({ relay: 'http://r', tenant: 'acme', api_token: 'tc_tok', auto_login: true });
  assert.equal(store.data.credentials.api_token, 'tc_tok');
  assert.deepEqual(calls.at(-1).body, { api_token: 'tc_tok' });
});

test('direct calls carry the bearer token and an Idempotency-Key, refresh once on 401', async () => {
  let stopCalls = 0;
  const { fetchImpl, calls } = fakeFetch({
    'POST /api/v1/acme/timer/stop': (call) => {
      stopCalls += 1;
      return call.headers.Authorization === 'Bearer A2' ? [200, { entry: { id: 1 } }] : [401, { error: { code: 'token_expired', message: 'expired' } }];
    },
    'POST /api/v1/acme/auth/refresh': (call) => (call.body.refresh_token === 'R1' ? [200, { access_token: 'A2', refresh_token: 'R2', expires_in: 900 }] : [401, {}]),
  });
  const store = memoryStore();
  store.data.credentials = { relay: 'http://r', tenant: 'acme', access_token: 'A1', refresh_token: 'R1' };
  const session = new Session({ fetchImpl, store });
  await session.load();
  const direct = new DirectTransport({ session, fetchImpl, since: () => 0, WebSocketImpl: FakeSocket });
  assert.deepEqual(await direct.call('timer.stop', {}, { idempotencyKey: 'key-1' }), { entry: { id: 1 } });
  assert.equal(stopCalls, 2);
  const stops = calls.filter((c) => c.url.endsWith('/timer/stop'));
  assert.deepEqual(stops.map((c) => c.headers['Idempotency-Key']), ['key-1', 'key-1'], 'the retry repeats the same key');
  assert.equal(store.data.credentials.refresh_token, 'R2');
});

test('a refused refresh with auto-login logs in again with the API token; without it signs out', async () => {
  const { fetchImpl } = fakeFetch({
    'POST /api/v1/acme/auth/refresh': () => [401, { error: { code: 'refresh_reused', message: 'x' } }],
    'POST /api/v1/acme/auth/token-login': () => [200, { access_token: 'A9', refresh_token: 'R9' }],
  });
  const store = memoryStore();
  store.data.credentials = { relay: 'http://r', tenant: 'acme', access_token: 'A1', refresh_token: 'R1', auto_login: true, api_token: 'tc_x' };
  const session = new Session({ fetchImpl, store });
  await session.load();
  await session.refresh();
  assert.equal(session.accessToken(), 'A9');
  store.data.credentials = { relay: 'http://r', tenant: 'acme', access_token: 'A1', refresh_token: 'R1' };
  await session.load();
  await assert.rejects(session.refresh(), (e) => e.status === 401);
  assert.equal(session.isSignedIn(), false);
  assert.equal(store.data.credentials, null);
});

// ---- live socket ----

test('backoff is jittered, grows and is capped', () => {
  assert.equal(backoffDelay(0, () => 0), 250);
  assert.ok(backoffDelay(0, () => 1) <= 500);
  assert.ok(backoffDelay(5, () => 1) > backoffDelay(1, () => 1));
  assert.equal(backoffDelay(40, () => 1), 30_000);
});

test('live socket: hello with token and since, frames, ping answered, 4401 refreshes then reconnects', async () => {
  FakeSocket.all = [];
  const frames = [];
  const connected = [];
  let token = 'A1';
  let refreshed = 0;
  const live = new LiveSocket({
    WebSocketImpl: FakeSocket,
    url: () => 'ws://r/api/v1/acme/live',
    token: () => token,
    since: () => 41,
    onFrame: (f) => frames.push(f),
    onConnected: (c) => connected.push(c),
    onUnauthenticated: async () => { refreshed += 1; token = 'A2'; },
  });
  live.start();
  await tick(5);
  const first = FakeSocket.all[0];
  assert.deepEqual(first.sent[0], { type: 'hello', token: 'A1', since: 41 });
  first.serverSends({ type: 'welcome', seq: 45 });
  first.serverSends({ type: 'event', seq: 42, name: 'timer.started', data: {} });
  first.serverSends({ type: 'ping' });
  assert.deepEqual(first.sent.at(-1), { type: 'pong' });
  assert.deepEqual(frames.map((f) => f.type), ['welcome', 'event']);
  first.serverCloses(4401);
  await tick(5);
  assert.equal(refreshed, 1);
  const second = FakeSocket.all[1];
  assert.ok(second, 'reconnected at once after the refresh');
  assert.deepEqual(second.sent[0], { type: 'hello', token: 'A2', since: 41 });
  second.serverCloses(1006);
  await tick(600);
  assert.equal(FakeSocket.all.length, 3, 'reconnected after a backoff delay');
  live.stop();
  assert.deepEqual(connected.slice(0, 2), [true, false]);
});

test('live socket: a failed refresh stops reconnecting', async () => {
  FakeSocket.all = [];
  const live = new LiveSocket({
    WebSocketImpl: FakeSocket, url: () => 'ws://r', token: () => 't', since: () => 0,
    onUnauthenticated: async () => { throw new RelayError(401, 'not_authenticated', 'x'); },
  });
  live.start();
  await tick(5);
  FakeSocket.all[0].serverCloses(4401);
  await tick(700);
  assert.equal(FakeSocket.all.length, 1);
  live.stop();
});

test('live socket: token_expiring is answered in band with a refreshed token', async () => {
  FakeSocket.all = [];
  let token = 'A1';
  const live = new LiveSocket({
    WebSocketImpl: FakeSocket, url: () => 'ws://r', token: () => token, since: () => 7,
    onUnauthenticated: async () => { token = 'A2'; },
  });
  live.start();
  await tick(5);
  const socket = FakeSocket.all[0];
  socket.serverSends({ type: 'welcome', seq: 7 });
  socket.serverSends({ type: 'error', error: { code: 'token_expiring', expires_at: 1 } });
  await tick(5);
  assert.deepEqual(socket.sent.at(-1), { type: 'auth', token: 'A2' });
  socket.serverSends({ type: 'auth', ok: true, expires_at: 2 });
  assert.equal(FakeSocket.all.length, 1, 'no reconnect needed');
  live.stop();
});
