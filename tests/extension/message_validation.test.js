import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTENT_MESSAGE_TYPES, siteForUrl, toRelayPageTask, validateContentMessage } from '../../extension/lib/message_validation.js';
import { validatePageMessage } from '../../extension/background/page_messages.js';

const ID = 'kgeblhliigajgajoelendidflbdhijji';
const asanaTab = { id: ID, tab: { id: 3, url: 'https://app.asana.com/0/111111/222222' } };
const pageTask = { source: 'asana', taskId: '222222', title: 'Write <b>report</b>', url: 'https://app.asana.com/0/111111/222222', project: { id: '111111', name: 'Ops' }, projectCount: 1, parentId: null, section: null };
const message = (type, payload = {}, id = 'c1') => ({ id, type, payload });

test('sites: only the three, only https, no look-alikes', () => {
  assert.equal(siteForUrl('https://app.asana.com/0/1/2'), 'asana');
  assert.equal(siteForUrl('https://acme.atlassian.net/browse/X-1'), 'jira');
  assert.equal(siteForUrl('https://trello.com/c/abc/1-x'), 'trello');
  assert.equal(siteForUrl('http://trello.com/'), null);
  assert.equal(siteForUrl('https://trello.com.evil.example/'), null);
  assert.equal(siteForUrl('https://evilatlassian.net/'), null);
  assert.equal(siteForUrl('https://a.b.atlassian.net/'), null);
  assert.equal(siteForUrl('https://asana.com/'), null);
  assert.equal(siteForUrl('not a url'), null);
});

test('a well-formed request from an allowed tab passes', () => {
  assert.deepEqual(validateContentMessage(message('tasks.resolve', { items: [pageTask] }), asanaTab, ID), { ok: true, site: 'asana' });
  assert.equal(validateContentMessage(message('timer.start', { task_id: 12 }), asanaTab, ID).ok, true);
  assert.equal(validateContentMessage(message('timer.stop'), asanaTab, ID).ok, true);
  assert.equal(validateContentMessage(message('entries.create', { task_id: 12, date: '2026-11-26', duration_seconds: 5400, notes: 'x' }), asanaTab, ID).ok, true);
  assert.equal(validateContentMessage(message('diagnostics.report', { site: 'asana', pattern: 'asana:/0/:p/:t', misses: 1, mounted: 0 }), asanaTab, ID).ok, true);
});

test('drops messages from other senders and other sites', () => {
  const verdict = (sender) => validateContentMessage(message('timer.stop'), sender, ID).reason;
  assert.equal(verdict({ ...asanaTab, id: 'someone-else' }), 'foreign-sender');
  assert.equal(verdict(undefined), 'foreign-sender');
  assert.equal(verdict({ id: ID, tab: { url: 'https://example.com/' } }), 'site-not-allowed');
  assert.equal(verdict({ id: ID }), 'site-not-allowed');
});

test('drops unknown types, bad ids and malformed payloads', () => {
  const check = (m) => validateContentMessage(m, asanaTab, ID).reason;
  assert.equal(check(message('session.signIn', { relay: 'x' })), 'type-not-allowed');
  assert.equal(check(message('constructor')), 'type-not-allowed');
  assert.equal(check(message('__proto__')), 'type-not-allowed');
  assert.equal(check('timer.stop'), 'not-an-object');
  assert.equal(check({ type: 'timer.stop' }), 'bad-id');
  assert.equal(check(message('timer.start', {})), 'bad-payload');
  assert.equal(check(message('timer.start', { task_id: 'x y' })), 'bad-payload');
  assert.equal(check(message('timer.start', { task_id: 1, extra: true })), 'bad-payload');
  assert.equal(check(message('entries.create', { task_id: 1, date: '26.11.2026', duration_seconds: 60 })), 'bad-payload');
  assert.equal(check(message('entries.create', { task_id: 1, date: '2026-11-26', duration_seconds: 90000 })), 'bad-payload');
  assert.equal(check(message('entries.create', { task_id: 1, date: '2026-11-26', duration_seconds: 60, notes: 'x'.repeat(2001) })), 'bad-payload');
  assert.equal(check(message('tasks.resolve', { items: [] })), 'bad-payload');
  assert.equal(check(message('tasks.resolve', { items: [{ ...pageTask, projectCount: -1 }] })), 'bad-payload');
  assert.equal(check(message('tasks.resolve', { items: [{ ...pageTask, source: 'jira' }] })), 'source-mismatch');
  assert.equal(check(message('diagnostics.report', { site: 'trello', pattern: 'p', misses: 1, mounted: 0 })), 'source-mismatch');
});

test('every allowed type has a shape', () => {
  assert.ok(CONTENT_MESSAGE_TYPES.includes('attendance.toggle'));
  assert.ok(!CONTENT_MESSAGE_TYPES.includes('session.signIn'), 'content scripts cannot sign in or out');
  assert.ok(!CONTENT_MESSAGE_TYPES.includes('timesheet'));
});

test('page messages must come from the extension origin', () => {
  const origin = 'chrome-extension://kgeblhliigajgajoelendidflbdhijji/';
  const fromOptions = { id: ID, url: `${origin}options.html` };
  const signIn = { type: 'session.signIn', payload: { relay: 'http://127.0.0.1:8765', tenant: 'acme', username: 'ann', password: 'pw' } };
  assert.equal(validatePageMessage(signIn, fromOptions, ID, origin).ok, true);
  assert.equal(validatePageMessage(signIn, { id: ID, url: 'https://app.asana.com/', tab: {} }, ID, origin).reason, 'not-an-extension-page');
  assert.equal(validatePageMessage(signIn, { ...fromOptions, id: 'x' }, ID, origin).reason, 'foreign-sender');
  assert.equal(validatePageMessage({ type: 'session.signIn', payload: { relay: 'ftp://x', tenant: 'a', api_token: 't' } }, fromOptions, ID, origin).reason, 'bad-payload');
  assert.equal(validatePageMessage({ type: 'session.signIn', payload: { relay: 'http://127.0.0.1:8765', tenant: 'acme', username: 'ann' } }, fromOptions, ID, origin).reason, 'bad-payload');
  assert.equal(validatePageMessage({ type: 'timesheet', payload: { month: '2026-13' } }, fromOptions, ID, origin).reason, 'bad-payload');
  assert.equal(validatePageMessage({ type: 'eval', payload: {} }, fromOptions, ID, origin).reason, 'type-not-allowed');
});

test('page tasks map to the relay shape', () => {
  assert.deepEqual(toRelayPageTask(pageTask), {
    source: 'asana', external_id: '222222', title: 'Write <b>report</b>', url: pageTask.url, project: { external_id: '111111', name: 'Ops' }, project_count: 1,
  });
  assert.deepEqual(toRelayPageTask({ ...pageTask, project: null, projectCount: 0, parentId: '9', section: 'Doing' }), {
    source: 'asana', external_id: '222222', title: 'Write <b>report</b>', url: pageTask.url, project: null, project_count: 0, parent_external_id: '9', section: 'Doing',
  });
});
