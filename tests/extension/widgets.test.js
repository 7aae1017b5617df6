import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimerWidget, TIMER_STATES } from '../../extension/widgets/timer_widget.js';
import { AttendanceWidget } from '../../extension/widgets/attendance_widget.js';
import { inShadow, makeDocument } from './dom_env.js';

function timer(options = {}) {
  const { document } = makeDocument();
  const calls = [];
  const widget = new TimerWidget(document, {
    source: 'asana', externalId: '1201', onToggle: () => calls.push('toggle'), onDetails: () => calls.push('details'), ...options,
  });
  document.body.append(widget.element);
  return { widget, calls, document };
}

test('timer host carries the contract attributes and an open shadow root', () => {
  const { widget } = timer();
  const host = widget.element;
  assert.equal(host.localName, 'taskclock-timer');
  assert.equal(host.getAttribute('data-source'), 'asana');
  assert.equal(host.getAttribute('data-external-id'), '1201');
  assert.equal(host.getAttribute('data-state'), 'idle');
  assert.equal(host.getAttribute('data-today-seconds'), '0');
  assert.ok(host.shadowRoot, 'open shadow root');
  assert.ok(inShadow(host, 'button[data-action="toggle"]'));
  assert.ok(inShadow(host, 'button[data-action="details"]'));
});

test('renders every state with its attributes and label', () => {
  const { widget } = timer();
  const host = widget.element;
  const label = () => inShadow(host, 'button[data-action="toggle"]').textContent;
  const expectations = {
    idle: { seconds: 0, label: 'Start' },
    today: { seconds: 5400, label: '1:30' },
    running: { seconds: 3725, label: '1:02:05' },
    paused: { seconds: 61, label: '0:01:01' },
    blocked: { seconds: 0, label: 'Start', reason: 'subtask' },
    'signed-out': { seconds: 0, label: 'Sign in' },
  };
  assert.deepEqual(Object.keys(expectations).sort(), [...TIMER_STATES].sort());
  for (const [state, expected] of Object.entries(expectations)) {
    widget.render({ state, todaySeconds: expected.seconds, reason: expected.reason });
    assert.equal(host.getAttribute('data-state'), state);
    assert.equal(host.getAttribute('data-today-seconds'), String(expected.seconds));
    assert.equal(label(), expected.label, state);
    assert.equal(host.hasAttribute('data-reason'), state === 'blocked', `data-reason only when blocked (${state})`);
  }
  widget.render({ state: 'blocked', reason: 'multi-project' });
  assert.equal(host.getAttribute('data-reason'), 'multi-project');
  assert.equal(inShadow(host, 'button[data-action="toggle"]').disabled, true);
  assert.match(inShadow(host, 'button[data-action="toggle"]').getAttribute('title'), /several projects/);
  assert.throws(() => widget.render({ state: 'weird' }));
});

test('floating placement and dark theme are attributes', () => {
  const { widget } = timer();
  widget.render({ state: 'idle', floating: true, dark: true });
  assert.equal(widget.element.getAttribute('data-placement'), 'floating');
  assert.equal(widget.element.getAttribute('data-theme'), 'dark');
  widget.render({ state: 'idle' });
  assert.equal(widget.element.hasAttribute('data-placement'), false);
});

test('clicks reach our handlers and never the page', () => {
  const { widget, calls, document } = timer();
  let pageSaw = 0;
  document.body.addEventListener('click', () => pageSaw++);
  inShadow(widget.element, 'button[data-action="toggle"]').click();
  inShadow(widget.element, 'button[data-action="details"]').click();
  assert.deepEqual(calls, ['toggle', 'details']);
  assert.equal(pageSaw, 0);
  widget.render({ state: 'blocked', reason: 'subtask' });
  inShadow(widget.element, 'button[data-action="toggle"]').click();
  assert.deepEqual(calls, ['toggle', 'details'], 'a blocked timer does not toggle');
});

test('compact variant for list rows shows h:mm', () => {
  const { widget } = timer({ compact: true });
  widget.render({ state: 'running', todaySeconds: 3725 });
  assert.equal(widget.element.getAttribute('data-variant'), 'compact');
  assert.equal(inShadow(widget.element, 'button[data-action="toggle"]').textContent, '1:02');
});

test('the box has a fixed size so the title never shifts', () => {
  const { widget } = timer();
  const css = inShadow(widget.element, 'style').textContent;
  assert.match(css, /:host \{ display: inline-block;[^}]*width: 104px; height: 24px;/);
});

test('attendance badge: in and out, seconds, click toggles', () => {
  const { document } = makeDocument();
  let toggled = 0;
  const badge = new AttendanceWidget(document, { onToggle: () => toggled++ });
  document.body.append(badge.element);
  assert.equal(badge.element.localName, 'taskclock-attendance');
  assert.equal(badge.element.getAttribute('data-state'), 'out');
  badge.render({ state: 'in', todaySeconds: 3600 });
  assert.equal(badge.element.getAttribute('data-state'), 'in');
  assert.equal(badge.element.getAttribute('data-today-seconds'), '3600');
  assert.match(badge.element.shadowRoot.textContent, /In.*1:00/);
  inShadow(badge.element, 'button').click();
  assert.equal(toggled, 1);
  badge.render({ state: 'out', todaySeconds: 0, signedIn: false });
  inShadow(badge.element, 'button').click();
  assert.equal(toggled, 1, 'signed out: nothing to toggle');
});
