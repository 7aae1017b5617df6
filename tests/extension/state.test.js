import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attendanceSeconds, initialState, publicState, reduce, taskTodaySeconds, timerSeconds, timerWidgetState, totalTodaySeconds,
} from '../../extension/lib/state.js';

const NOW = Date.parse('2026-11-26T10:00:00Z');
const running = (taskId, elapsed = 60, asOf = '2026-11-26T10:00:00Z') => ({ task_id: taskId, state: 'running', elapsed_seconds: elapsed, as_of: asOf });

function signedInWithToday(tasks = [{ task_id: 1, seconds: 600 }], timer = null) {
  let state = reduce(initialState(), { type: 'session', signedIn: true, mode: 'direct', user: { id: 7, username: 'ann', role: 'staff' } });
  state = reduce(state, { type: 'today', today: { date: '2026-11-26', time_zone: 'Europe/Berlin', total_seconds: 600, tasks, timer, attendance: null } });
  return state;
}

test('today fills per-task sums, timer and date', () => {
  const state = signedInWithToday([{ task_id: 1, seconds: 600 }, { task_id: 2, seconds: 30 }]);
  assert.equal(state.date, '2026-11-26');
  assert.deepEqual(state.todayByTask, { 1: 600, 2: 30 });
  assert.equal(taskTodaySeconds(state, 1, NOW), 600);
  assert.equal(totalTodaySeconds(state, NOW), 630);
  assert.equal(state.stale, false);
});

test('a running timer counts on from as_of, paused does not', () => {
  // The relay's /today counts the running timer (60 s) into its task's 660 s.
  const state = signedInWithToday([{ task_id: 1, seconds: 660 }], running(1, 60));
  assert.equal(state.todayByTask[1], 600, 'saved time only');
  assert.equal(timerSeconds(state, NOW + 5_000), 65);
  assert.equal(taskTodaySeconds(state, 1, NOW + 5_000), 665);
  assert.equal(taskTodaySeconds(state, 2, NOW + 5_000), 0);
  const paused = reduce(state, { type: 'timer', timer: { ...running(1, 60), state: 'paused' } });
  assert.equal(timerSeconds(paused, NOW + 5_000), 60);
});

test('the clock offset corrects a local clock that is behind', () => {
  let state = signedInWithToday([], running(1, 0));
  state = reduce(state, { type: 'clock-offset', offsetMs: 10_000 });
  assert.equal(timerSeconds(state, NOW), 10);
});

test('widget states follow the contract', () => {
  assert.equal(timerWidgetState(initialState(), 1, null, NOW), 'signed-out');
  const state = signedInWithToday([{ task_id: 1, seconds: 600 }]);
  assert.equal(timerWidgetState(state, 1, { task_id: 1, trackable: true }, NOW), 'today');
  assert.equal(timerWidgetState(state, 2, { task_id: 2, trackable: true }, NOW), 'idle');
  assert.equal(timerWidgetState(state, 2, { task_id: 2, trackable: false, reason: 'subtask' }, NOW), 'blocked');
  const withTimer = reduce(state, { type: 'timer', timer: running(2) });
  assert.equal(timerWidgetState(withTimer, 2, { task_id: 2, trackable: true }, NOW), 'running');
  assert.equal(timerWidgetState(withTimer, '2', null, NOW), 'running', 'ids compare as strings');
  const paused = reduce(state, { type: 'timer', timer: { ...running(2), state: 'paused' } });
  assert.equal(timerWidgetState(paused, 2, null, NOW), 'paused');
});

test('timer events replace the timer; stop adds its entry to today once', () => {
  let state = signedInWithToday([{ task_id: 1, seconds: 600 }]);
  state = reduce(state, { type: 'event', event: { seq: 5, name: 'timer.started', data: { timer: running(1, 0) } } });
  assert.equal(state.timer.task_id, 1);
  assert.equal(state.seq, 5);
  const entry = { id: 40, task_id: 1, date: '2026-11-26', duration_seconds: 120 };
  state = reduce(state, { type: 'event', event: { seq: 6, name: 'timer.stopped', data: { timer: null, entry } } });
  assert.equal(state.timer, null);
  assert.equal(state.todayByTask[1], 720);
  // The same entry announced again (entry.created after timer.stopped, or the command's answer) counts once.
  state = reduce(state, { type: 'event', event: { seq: 7, name: 'entry.created', data: { entry } } });
  state = reduce(state, { type: 'entry', change: 'created', entry });
  assert.equal(state.todayByTask[1], 720);
});

test('events at or below the last seq are ignored', () => {
  let state = signedInWithToday();
  state = reduce(state, { type: 'event', event: { seq: 9, name: 'timer.started', data: { timer: running(3) } } });
  const again = reduce(state, { type: 'event', event: { seq: 9, name: 'timer.stopped', data: {} } });
  assert.equal(again, state);
  const older = reduce(state, { type: 'event', event: { seq: 4, name: 'timer.stopped', data: {} } });
  assert.equal(older.timer.task_id, 3);
});

test('entry edits and deletes adjust today exactly when the entry is known', () => {
  let state = signedInWithToday([]);
  const entry = { id: 1, task_id: 5, date: '2026-11-26', duration_seconds: 300 };
  state = reduce(state, { type: 'entry', change: 'created', entry });
  assert.equal(state.todayByTask[5], 300);
  state = reduce(state, { type: 'entry', change: 'updated', entry: { ...entry, duration_seconds: 900 } });
  assert.equal(state.todayByTask[5], 900);
  state = reduce(state, { type: 'entry', change: 'updated', entry: { ...entry, date: '2026-11-20', duration_seconds: 900 } });
  assert.equal(state.todayByTask[5], 0, 'moved to another day');
  state = reduce(state, { type: 'entry', change: 'updated', entry: { ...entry, duration_seconds: 60 } });
  state = reduce(state, { type: 'event', event: { seq: 3, name: 'entry.deleted', data: { entry: { id: 1, task_id: 5 } } } });
  assert.equal(state.todayByTask[5], 0);
  assert.equal(state.stale, false);
});

test('an entry from another day does not change today', () => {
  let state = signedInWithToday([]);
  state = reduce(state, { type: 'entry', change: 'created', entry: { id: 2, task_id: 5, date: '2026-11-01', duration_seconds: 300 } });
  assert.equal(state.todayByTask[5] ?? 0, 0);
});

test('deleting an entry of the /today base subtracts it when its view is complete', () => {
  const state = signedInWithToday([{ task_id: 1, seconds: 600 }]);
  const entry = { id: 99, task_id: 1, date: '2026-11-26', duration_seconds: 200 };
  const next = reduce(state, { type: 'event', event: { seq: 2, name: 'entry.deleted', data: { entry } } });
  assert.equal(next.todayByTask[1], 400);
  assert.equal(next.stale, false);
  assert.equal(reduce(next, { type: 'entry', change: 'deleted', entry: { id: 99 } }).todayByTask[1], 400, 'the answer after the event changes nothing');
});

test('changes that cannot be applied exactly mark the state stale', () => {
  const state = signedInWithToday([{ task_id: 1, seconds: 600 }]);
  assert.equal(reduce(state, { type: 'event', event: { seq: 2, name: 'entry.deleted', data: { entry: { id: 99, task_id: 1 } } } }).stale, true);
  assert.equal(reduce(state, { type: 'event', event: { seq: 2, name: 'entry.updated', data: { entry: { id: 98, task_id: 1, date: '2026-11-26', duration_seconds: 5 } } } }).stale, true);
  assert.equal(reduce(state, { type: 'event', event: { seq: 2, name: 'project.updated', data: {} } }).stale, true);
  assert.equal(reduce(state, { type: 'snapshot', seq: 50 }).stale, true);
  assert.equal(reduce(state, { type: 'snapshot', seq: 50 }).seq, 50);
  const refreshed = reduce(reduce(state, { type: 'snapshot', seq: 50 }), { type: 'today', today: { date: '2026-11-26', tasks: [] } });
  assert.equal(refreshed.stale, false);
});

test('attendance events and counting while clocked in', () => {
  let state = signedInWithToday();
  state = reduce(state, {
    type: 'event',
    event: { seq: 3, name: 'attendance.clocked_in', data: { attendance: { state: 'in', since: '2026-11-26T08:00:00Z', today_seconds: 100, as_of: '2026-11-26T10:00:00Z' } } },
  });
  assert.equal(attendanceSeconds(state, NOW + 30_000), 130);
  state = reduce(state, { type: 'event', event: { seq: 4, name: 'attendance.clocked_out', data: { attendance: { state: 'out', since: null, today_seconds: 200 } } } });
  assert.equal(attendanceSeconds(state, NOW + 30_000), 200);
});

test('task.updated merges into known task views and entries keep totals in step', () => {
  let state = reduce(signedInWithToday([]), { type: 'tasks', items: [{ task_id: 8, trackable: true, billable: false, total_seconds: 1000 }] });
  state = reduce(state, { type: 'event', event: { seq: 2, name: 'task.updated', data: { task: { task_id: 8, billable: true, budget_seconds: 3600 } } } });
  assert.equal(state.tasks[8].billable, true);
  assert.equal(state.tasks[8].budget_seconds, 3600);
  state = reduce(state, { type: 'entry', change: 'created', entry: { id: 3, task_id: 8, date: '2026-11-26', duration_seconds: 500 } });
  assert.equal(state.tasks[8].total_seconds, 1500);
  assert.equal(state.tasks[8].today_seconds, 500);
  state = reduce(state, { type: 'entry', change: 'created', entry: { id: 4, task_id: 8, date: '2026-11-02', duration_seconds: 100 } });
  assert.equal(state.tasks[8].total_seconds, 1600);
  assert.equal(state.tasks[8].today_seconds, 500);
  // The relay's task fields: a null billable means the project's flag, keep what we know.
  state = reduce(state, { type: 'event', event: { seq: 3, name: 'task.updated', data: { task: { id: 8, billable: null, budget_seconds: null } } } });
  assert.equal(state.tasks[8].billable, true);
  assert.equal(state.tasks[8].budget_seconds, null);
});

test('signing out forgets the user and the day', () => {
  const state = reduce(signedInWithToday(), { type: 'signed-out' });
  assert.equal(state.signedIn, false);
  assert.equal(state.user, null);
  assert.deepEqual(state.todayByTask, {});
});

test('the reducer never mutates its input', () => {
  const state = signedInWithToday([{ task_id: 1, seconds: 10 }]);
  const frozen = structuredClone(state);
  reduce(state, { type: 'entry', change: 'created', entry: { id: 1, task_id: 1, date: '2026-11-26', duration_seconds: 5 } });
  reduce(state, { type: 'event', event: { seq: 1, name: 'timer.started', data: { timer: running(1) } } });
  assert.deepEqual(state, frozen);
});

test('public state leaves out bookkeeping and secrets', () => {
  const state = publicState(signedInWithToday());
  assert.equal('seenEntries' in state, false);
  assert.deepEqual(Object.keys(state.user).sort(), ['id', 'role', 'username']);
});

test('a snapshot carrying /today replaces the day without a re-read', () => {
  const state = reduce(signedInWithToday([{ task_id: 1, seconds: 600 }]), { type: 'snapshot', seq: 80, today: { date: '2026-11-26', tasks: [{ task_id: 2, seconds: 30 }], timer: null, attendance: null } });
  assert.equal(state.seq, 80);
  assert.deepEqual(state.todayByTask, { 2: 30 });
  assert.equal(state.stale, false);
});
