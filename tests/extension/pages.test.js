import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';
import { daysOfMonth, renderTimesheet, shiftMonth, validMonth } from '../../extension/pages/timesheet_view.js';

const page = (name) => new JSDOM(readFileSync(new URL(`../../extension/pages/${name}`, import.meta.url), 'utf8')).window.document;

test('months: shifting across years, days per month, validation', () => {
  assert.equal(shiftMonth('2026-01', -1), '2025-12');
  assert.equal(shiftMonth('2026-12', 1), '2027-01');
  assert.equal(daysOfMonth('2028-02').length, 29);
  assert.equal(daysOfMonth('2026-02').length, 28);
  assert.equal(daysOfMonth('2026-11')[0], '2026-11-01');
  assert.equal(validMonth('2026-13'), false);
  assert.equal(validMonth('2026-11'), true);
});

test('timesheet: one row a day with seconds, project totals, month total, neighbours', () => {
  const doc = page('timesheet.html');
  renderTimesheet(doc, '2026-11', {
    month: '2026-11', total_seconds: 9000, billable_seconds: 5400, attendance_seconds: 28800,
    days: [{ date: '2026-11-02', seconds: 5400, entries: [] }, { date: '2026-11-03', seconds: 3600, entries: [] }],
    projects: [{ project_id: 4, name: '<i>Ops</i>', seconds: 9000 }],
  });
  const rows = doc.querySelectorAll('[data-date]');
  assert.equal(rows.length, 30);
  assert.equal(doc.querySelector('[data-date="2026-11-02"]').getAttribute('data-seconds'), '5400');
  assert.equal(doc.querySelector('[data-date="2026-11-01"]').getAttribute('data-seconds'), '0');
  assert.equal(doc.querySelector('[data-role="month-total"]').getAttribute('data-seconds'), '9000');
  assert.equal(doc.querySelector('[data-role="month-total"]').textContent, '2:30');
  assert.equal(doc.querySelector('[data-project-id="4"]').textContent.includes('<i>Ops</i>'), true, 'names stay text');
  assert.equal(doc.querySelector('[data-project-id="4"] i'), null);
  assert.equal(doc.querySelector('[data-action="previous"]').getAttribute('href'), 'timesheet.html?month=2026-10');
  assert.equal(doc.querySelector('[data-action="next"]').getAttribute('href'), 'timesheet.html?month=2026-12');
});

test('options page has the contract fields', () => {
  const doc = page('options.html');
  for (const name of ['relay', 'tenant', 'username', 'password', 'api_token']) assert.ok(doc.querySelector(`input[name="${name}"]`), name);
  assert.equal(doc.querySelector('input[name="auto_login"]').type, 'checkbox');
  assert.equal(doc.querySelector('input[name="password"]').type, 'password');
  assert.ok(doc.querySelector('form button[type="submit"]'));
  const status = doc.querySelector('[data-role="status"]');
  assert.equal(status.getAttribute('data-state'), 'signed-out');
  assert.equal(status.textContent, 'signed-out');
  assert.ok(doc.querySelector('[data-role="error"]'));
  assert.ok(doc.querySelector('[data-role="diagnostics"]'));
  assert.ok(doc.querySelector('[data-action="sign-out"]'));
});

test('pages load only their own bundled script (no inline or remote code)', () => {
  for (const name of ['options.html', 'timesheet.html', 'popup.html']) {
    const doc = page(name);
    const scripts = [...doc.querySelectorAll('script')];
    assert.equal(scripts.length, 1, name);
    assert.equal(scripts[0].getAttribute('src'), name.replace('.html', '.js'));
    assert.equal(scripts[0].textContent.trim(), '');
    for (const link of doc.querySelectorAll('link[href]')) assert.doesNotMatch(link.getAttribute('href'), /^https?:/);
  }
});

test('English and German have the same message keys', () => {
  const en = JSON.parse(readFileSync(new URL('../../extension/_locales/en/messages.json', import.meta.url), 'utf8'));
  const de = JSON.parse(readFileSync(new URL('../../extension/_locales/de/messages.json', import.meta.url), 'utf8'));
  assert.deepEqual(Object.keys(de).sort(), Object.keys(en).sort());
  for (const key of ['extName', 'extDescription', 'duration_invalid', 'reason_subtask', 'reason_multi_project', 'reason_no_project', 'reason_project_closed', 'reason_task_limit', 'reason_project_disabled']) {
    assert.ok(en[key]?.message, key);
  }
});

test('text outside the browser falls back to English, placeholders filled', async () => {
  const { t } = await import('../../extension/lib/i18n.js');
  assert.equal(t('timerStart'), 'Start');
  assert.equal(t('errorGeneric', ['boom']), 'Something went wrong: boom');
  assert.equal(t('no_such_key'), 'no_such_key');
});
