import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PanelWidget } from '../../extension/widgets/panel_widget.js';
import { inShadow, makeDocument, tick } from './dom_env.js';

const NOW = Date.parse('2026-11-26T10:00:00');

function panel({ entries = [], fail = null } = {}) {
  const { document, window } = makeDocument();
  const requests = [];
  let items = entries.slice();
  const request = async (type, payload) => {
    requests.push([type, payload]);
    if (fail && fail[type]) {
      const error = new Error(fail[type]);
      throw error;
    }
    if (type === 'entries.list') return { items };
    if (type === 'entries.create') {
      const entry = { id: 100 + items.length, task_id: payload.task_id, date: payload.date, duration_seconds: payload.duration_seconds, notes: payload.notes ?? '' };
      items.push(entry);
      return { entry };
    }
    if (type === 'entries.delete') {
      items = items.filter((e) => e.id !== payload.entry_id);
      return {};
    }
    if (type === 'entries.update') {
      items = items.map((e) => (e.id === payload.entry_id ? { ...e, ...payload } : e));
      return { entry: items.find((e) => e.id === payload.entry_id) };
    }
    return {};
  };
  const widget = new PanelWidget(document, { request, now: () => NOW });
  document.body.append(widget.element);
  widget.open({ taskId: 12, source: 'asana', externalId: '1201', title: '<img src=x onerror=alert(1)>Report' });
  return { widget, requests, document, window, $: (selector) => inShadow(widget.element, selector), $$: (selector) => [...widget.element.shadowRoot.querySelectorAll(selector)] };
}

const view = { task_id: 12, trackable: true, billable: true, budget_seconds: 7200, total_seconds: 3600, today_seconds: 600 };

test('shows totals, today and the budget with data-seconds', async () => {
  const { widget, $ } = panel();
  // view: 3600 total of which 600 today (as of the resolve); today is now 900 live.
  widget.render({ view, todaySeconds: 900, timer: { task_id: 12, state: 'running' }, role: 'staff' });
  assert.equal(widget.element.localName, 'taskclock-panel');
  assert.equal($('[data-role="task-total"]').getAttribute('data-seconds'), '3900');
  assert.equal($('[data-role="today"]').getAttribute('data-seconds'), '900');
  assert.equal($('[data-role="today"]').textContent, '0:15');
  assert.match($('[data-role="budget"]').textContent, /1:05 \/ 2:00 \(54%\)/);
  assert.equal($('button[data-action="pause"]').hidden, false);
  assert.equal($('button[data-action="resume"]').hidden, true);
  widget.render({ view, todaySeconds: 900, timer: { task_id: 12, state: 'paused' }, role: 'staff' });
  assert.equal($('button[data-action="pause"]').hidden, true);
  assert.equal($('button[data-action="resume"]').hidden, false);
  widget.render({ view, todaySeconds: 900, timer: null, role: 'staff' });
  assert.equal($('button[data-action="resume"]').hidden, true);
  assert.ok($('[data-role="timesheet-link"]'));
  assert.ok($('button[data-action="close"]'));
});

test('the title is text, never markup', () => {
  const { $ } = panel();
  assert.equal($('h2').textContent, '<img src=x onerror=alert(1)>Report');
  assert.equal($('h2 img'), null);
});

test('add entry: parses the duration and sends notes', async () => {
  const { $, requests } = panel();
  const form = $('form[data-role="add-entry"]');
  assert.equal(form.querySelector('input[name="date"]').value, '2026-11-26');
  form.querySelector('input[name="duration"]').value = '1h 30m';
  form.querySelector('input[name="notes"]').value = 'pairing';
  form.requestSubmit();
  await tick(10);
  assert.deepEqual(requests.find(([type]) => type === 'entries.create'), ['entries.create', { task_id: 12, date: '2026-11-26', duration_seconds: 5400, notes: 'pairing' }]);
  assert.equal($$count($, '[data-entry-id]'), 1);
  assert.equal(form.querySelector('input[name="duration"]').value, '');
});

function $$count($, selector) {
  return $(selector) ? $(selector).getRootNode().querySelectorAll(selector).length : 0;
}

test('add entry: a bad duration shows a clear error and sends nothing', async () => {
  const { $, requests } = panel();
  const form = $('form[data-role="add-entry"]');
  form.querySelector('input[name="duration"]').value = 'soon';
  form.requestSubmit();
  await tick(5);
  assert.match($('[data-role="form-error"]').textContent, /Not a duration/);
  assert.equal(requests.some(([type]) => type === 'entries.create'), false);
});

test('add entry: the relay refusing shows its message', async () => {
  const { $ } = panel({ fail: { 'entries.create': 'no more than 24 h in one day' } });
  const form = $('form[data-role="add-entry"]');
  form.querySelector('input[name="duration"]').value = '2';
  form.requestSubmit();
  await tick(5);
  assert.equal($('[data-role="form-error"]').textContent, 'no more than 24 h in one day');
});

test('entries: edit then save, delete then confirm', async () => {
  const entries = [{ id: 5, task_id: 12, date: '2026-11-25', duration_seconds: 1800, notes: '<b>notes</b>' }];
  const { $, requests } = panel({ entries });
  await tick(5);
  const row = $('[data-entry-id="5"]');
  assert.ok(row);
  assert.equal(row.querySelector('b'), null, 'notes are text');
  row.querySelector('button[data-action="edit"]').click();
  const editor = $('[data-entry-id="5"]');
  assert.equal(editor.querySelector('input[name="duration"]').value, '0:30');
  editor.querySelector('input[name="duration"]').value = '45m';
  editor.querySelector('input[name="notes"]').value = 'changed';
  editor.querySelector('button[data-action="save"]').click();
  await tick(10);
  assert.deepEqual(requests.find(([type]) => type === 'entries.update'), ['entries.update', { entry_id: 5, date: '2026-11-25', duration_seconds: 2700, notes: 'changed' }]);
  const saved = $('[data-entry-id="5"]');
  assert.match(saved.textContent, /0:45/);
  saved.querySelector('button[data-action="delete"]').click();
  assert.equal(requests.some(([type]) => type === 'entries.delete'), false, 'delete waits for confirm');
  $('[data-entry-id="5"] button[data-action="confirm"]').click();
  await tick(10);
  assert.deepEqual(requests.find(([type]) => type === 'entries.delete'), ['entries.delete', { entry_id: 5 }]);
  assert.equal($('[data-entry-id="5"]'), null);
});

test('billable switch and budget for editors, read-only for staff, no switch on Jira', () => {
  const { widget, $, requests } = panel();
  widget.render({ view, todaySeconds: 0, role: 'staff' });
  assert.equal($('input[name="billable"]'), null);
  assert.equal($('input[name="budget"]'), null);
  assert.equal($('[data-role="billable"]').textContent, 'Billable');
  for (const role of ['owner', 'admin', 'team_leader']) {
    widget.render({ view: { ...view, task_id: 12, billable: role === 'owner' }, todaySeconds: 0, role });
    assert.ok($('input[name="billable"]'), role);
    assert.ok($('input[name="budget"]'), role);
  }
  const toggle = $('input[name="billable"]');
  toggle.checked = !toggle.checked;
  toggle.dispatchEvent(new toggle.ownerDocument.defaultView.Event('change'));
  assert.deepEqual(requests.at(-1), ['tasks.update', { task_id: 12, billable: toggle.checked }]);
  $('input[name="budget"]').value = '40';
  $('button[data-action="save-budget"]').click();
  assert.deepEqual(requests.at(-1), ['tasks.update', { task_id: 12, budget_seconds: 144000 }]);
  widget.open({ taskId: 13, source: 'jira', externalId: 'OPS-1', title: 'Jira issue' });
  widget.render({ view: { ...view, task_id: 13 }, todaySeconds: 0, role: 'owner' });
  assert.equal($('input[name="billable"]'), null, 'Jira: the project flag applies');
  assert.ok($('input[name="budget"]'));
});

test('close and Escape hide the panel; events stay inside', () => {
  const { widget, $, document, window } = panel();
  let pageKeys = 0;
  document.addEventListener('keydown', () => pageKeys++);
  $('input[name="notes"]').dispatchEvent(new window.KeyboardEvent('keydown', { key: 'k', bubbles: true, composed: true }));
  assert.equal(pageKeys, 0, 'site shortcuts do not see typing in the panel');
  $('button[data-action="close"]').click();
  assert.equal(widget.isOpen, false);
  widget.open({ taskId: 12, source: 'asana', externalId: '1201', title: 'x' });
  assert.equal(widget.isOpen, true);
  widget.element.dispatchEvent(new window.KeyboardEvent('keydown', { key: 'Escape' }));
  assert.equal(widget.isOpen, false);
});

test('a refresh of the list keeps a delete awaiting confirm and an open editor', async () => {
  const entries = [
    { id: 5, task_id: 12, date: '2026-11-25', duration_seconds: 1800, notes: '' },
    { id: 6, task_id: 12, date: '2026-11-24', duration_seconds: 600, notes: '' },
  ];
  const { widget, $ } = panel({ entries });
  await tick(5);
  $('[data-entry-id="5"] button[data-action="delete"]').click();
  $('[data-entry-id="6"] button[data-action="edit"]').click();
  await widget.loadEntries(); // what a live total change triggers
  assert.ok($('[data-entry-id="5"] button[data-action="confirm"]'), 'the pending delete survived the refresh');
  assert.ok($('[data-entry-id="6"][data-editing] button[data-action="save"]'), 'the editor survived the refresh');
  $('[data-entry-id="6"] button[data-action="cancel"]').click();
  assert.equal($('[data-entry-id="6"][data-editing]'), null, 'cancel still closes the editor');
  $('[data-entry-id="6"] button[data-action="edit"]').click();
  $('[data-entry-id="6"] button[data-action="save"]').click();
  await tick(10);
  assert.equal($('[data-entry-id="6"][data-editing]'), null, 'save closes the editor');
});
