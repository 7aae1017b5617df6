// The background's picture of the signed-in user's day, and the one pure reducer that
// changes it. Commands' answers, /today reads and live events all go through
// `reduce`, so every tab sees the same numbers whichever path a change came by.
//
// todayByTask holds the seconds of *saved* entries today per task (what GET /today
// reports in tasks[]); the running timer is added on top when displayed, so it can be
// extrapolated every second without touching the state.

import { EVENT_NAMES } from './protocol.js';

export function initialState() {
  return {
    signedIn: false,
    mode: 'none', // 'agent' | 'direct' | 'none'
    connected: false,
    user: null,
    seq: 0,
    date: null,
    timeZone: null,
    todayByTask: {},
    seenEntries: {}, // entry id -> {task_id, date, seconds}: entries applied since the last /today
    timer: null,
    attendance: null,
    tasks: {}, // task id -> task view (trackable, billable, budget, totals)
    stale: false, // true when an event could not be applied exactly: re-read /today
    clockOffsetMs: 0, // relay clock minus local clock
  };
}

const TIMER_EVENTS = new Set([EVENT_NAMES.TIMER_STARTED, EVENT_NAMES.TIMER_PAUSED, EVENT_NAMES.TIMER_RESUMED]);
const ENTRY_EVENTS = new Set([EVENT_NAMES.ENTRY_CREATED, EVENT_NAMES.ENTRY_UPDATED, EVENT_NAMES.ENTRY_DELETED]);
const ATTENDANCE_EVENTS = new Set([EVENT_NAMES.ATTENDANCE_CLOCKED_IN, EVENT_NAMES.ATTENDANCE_CLOCKED_OUT]);

/** The next state for one action; never mutates `state`. */
export function reduce(state, action) {
  switch (action.type) {
    case 'session':
      return {
        ...state,
        signedIn: Boolean(action.signedIn),
        mode: action.mode ?? state.mode,
        user: action.user ?? (action.signedIn ? state.user : null),
      };
    case 'signed-out':
      return { ...initialState(), clockOffsetMs: state.clockOffsetMs };
    case 'connection':
      return { ...state, connected: Boolean(action.connected) };
    case 'clock-offset':
      return { ...state, clockOffsetMs: Number(action.offsetMs) || 0 };
    case 'today':
      return applyToday(state, action.today);
    case 'timer':
      return applyTimer(state, action.timer ?? null, action.stoppedEntries ?? []);
    case 'attendance':
      return { ...state, attendance: action.attendance ?? null };
    case 'entry':
      return applyEntry(state, action.change, action.entry);
    case 'tasks':
      return applyTaskViews(state, action.items ?? []);
    case 'event':
      return applyEvent(state, action.event);
    case 'snapshot': {
      // A snapshot that carries /today replaces the day; one without it asks for a re-read.
      const seq = Math.max(state.seq, Number(action.seq) || 0);
      return action.today ? { ...applyToday(state, action.today), seq } : { ...state, seq, stale: true };
    }
    case 'welcome':
      return { ...state, connected: true };
    default:
      return state;
  }
}

function applyToday(state, today) {
  if (!today || typeof today !== 'object') return state;
  const todayByTask = {};
  for (const item of today.tasks ?? []) {
    if (item && item.task_id != null) todayByTask[item.task_id] = Number(item.seconds) || 0;
  }
  // The relay counts the running timer into its task's seconds; keep only saved time
  // here (exact for a timer started today: a timer running across midnight shows
  // slightly more until it is stopped).
  const timer = today.timer;
  if (timer && timer.task_id != null && todayByTask[timer.task_id] != null) {
    todayByTask[timer.task_id] = Math.max(0, todayByTask[timer.task_id] - (Number(timer.elapsed_seconds) || 0));
  }
  return {
    ...state,
    date: today.date ?? state.date,
    timeZone: today.time_zone ?? state.timeZone,
    todayByTask,
    seenEntries: {},
    timer: today.timer ?? null,
    attendance: today.attendance ?? null,
    stale: false,
  };
}

function applyTimer(state, timer, stoppedEntries) {
  let next = { ...state, timer };
  for (const entry of stoppedEntries) next = applyEntry(next, 'created', entry);
  return next;
}

/** Apply one entry change exactly once, whichever of event or answer arrives first. */
function applyEntry(state, change, entry) {
  if (!entry || entry.id == null) return { ...state, stale: true };
  let known = state.seenEntries[entry.id];
  if (!known && change === 'deleted' && entry.date && entry.duration_seconds != null) {
    // A deleted entry's full view: it was part of the /today base, so take it out.
    known = { task_id: entry.task_id, date: entry.date, seconds: Number(entry.duration_seconds) || 0 };
  }
  if (!known && change !== 'created') return { ...state, stale: true };
  if (known && change === 'created') return state;
  const todayByTask = { ...state.todayByTask };
  const seenEntries = { ...state.seenEntries };
  if (known && known.date === state.date) {
    todayByTask[known.task_id] = Math.max(0, (todayByTask[known.task_id] ?? 0) - known.seconds);
  }
  if (change === 'deleted') {
    seenEntries[entry.id] = { task_id: entry.task_id ?? known?.task_id, date: null, seconds: 0 };
  } else {
    const record = { task_id: entry.task_id, date: entry.date, seconds: Number(entry.duration_seconds) || 0 };
    seenEntries[entry.id] = record;
    if (record.date === state.date) todayByTask[record.task_id] = (todayByTask[record.task_id] ?? 0) + record.seconds;
  }
  return { ...state, todayByTask, seenEntries, tasks: adjustTotals(state.tasks, state.date, known, change, entry) };
}

function adjustTotals(tasks, date, known, change, entry) {
  // Task views carry all-time and today totals as of the resolve; keep both in step
  // with entries we see (readers show total - today + live today).
  const taskId = entry.task_id ?? known?.task_id;
  const view = tasks[taskId];
  if (!view) return tasks;
  const before = known?.seconds ?? 0;
  const after = change === 'deleted' ? 0 : Number(entry.duration_seconds) || 0;
  const todayBefore = known?.date === date ? before : 0;
  const todayAfter = change !== 'deleted' && entry.date === date ? after : 0;
  return {
    ...tasks,
    [taskId]: {
      ...view,
      total_seconds: Math.max(0, (view.total_seconds ?? 0) - before + after),
      today_seconds: Math.max(0, (view.today_seconds ?? 0) - todayBefore + todayAfter),
    },
  };
}

/** task.updated carries the task's own fields: a null billable means "the project's flag". */
function taskFieldsToView(task) {
  const view = { task_id: task.task_id ?? task.id };
  for (const key of ['billable', 'budget_seconds', 'completed', 'title', 'trackable', 'reason']) {
    if (key in task && !(key === 'billable' && task.billable === null)) view[key] = task[key];
  }
  return view;
}

function applyTaskViews(state, items) {
  const tasks = { ...state.tasks };
  for (const view of items) {
    if (view && view.task_id != null) tasks[view.task_id] = { ...tasks[view.task_id], ...view };
  }
  return { ...state, tasks };
}

function applyEvent(state, event) {
  if (!event || typeof event.name !== 'string') return state;
  const seq = Number(event.seq) || 0;
  if (seq && seq <= state.seq) return state; // already applied (catch-up overlap)
  const data = event.data ?? {};
  let next = seq ? { ...state, seq } : state;
  if (TIMER_EVENTS.has(event.name)) {
    const stopped = [data.stopped_entry, ...(data.stopped_entries ?? [])].filter(Boolean);
    next = applyTimer(next, data.timer ?? null, stopped);
  } else if (event.name === EVENT_NAMES.TIMER_STOPPED) {
    const entries = [data.entry, ...(data.entries ?? [])].filter(Boolean);
    next = applyTimer(next, null, entries);
    if (entries.length === 0) next = { ...next, stale: true };
  } else if (ENTRY_EVENTS.has(event.name)) {
    next = applyEntry(next, event.name.slice('entry.'.length), data.entry);
  } else if (ATTENDANCE_EVENTS.has(event.name)) {
    next = data.attendance ? { ...next, attendance: data.attendance } : { ...next, stale: true };
  } else if (event.name === EVENT_NAMES.TASK_UPDATED) {
    next = data.task ? applyTaskViews(next, [taskFieldsToView(data.task)]) : next;
  } else if (event.name === EVENT_NAMES.PROJECT_UPDATED) {
    next = { ...next, stale: true };
  }
  return next;
}

// ---- reading the state (all take `nowMs`, the local clock, so tests fix time) ----

/** Seconds the current timer has run, extrapolated to now while it runs. */
export function timerSeconds(state, nowMs) {
  const timer = state.timer;
  if (!timer) return 0;
  const base = Number(timer.elapsed_seconds) || 0;
  if (timer.state !== 'running' || !timer.as_of) return base;
  const asOf = Date.parse(timer.as_of);
  if (Number.isNaN(asOf)) return base;
  return base + Math.max(0, Math.floor((nowMs + state.clockOffsetMs - asOf) / 1000));
}

/** Today's seconds on one task, the running timer included. */
export function taskTodaySeconds(state, taskId, nowMs) {
  const saved = state.todayByTask[taskId] ?? 0;
  return sameTask(state.timer?.task_id, taskId) ? saved + timerSeconds(state, nowMs) : saved;
}

export function totalTodaySeconds(state, nowMs) {
  const saved = Object.values(state.todayByTask).reduce((sum, seconds) => sum + seconds, 0);
  return saved + timerSeconds(state, nowMs);
}

/** Attendance seconds today, counting on while clocked in. */
export function attendanceSeconds(state, nowMs) {
  const attendance = state.attendance;
  if (!attendance) return 0;
  const base = Number(attendance.today_seconds) || 0;
  if (attendance.state !== 'in') return base;
  // as_of is stamped by the background when the attendance arrived (today_seconds counts up to then).
  const asOf = Date.parse(attendance.as_of ?? '');
  if (Number.isNaN(asOf)) return base;
  return base + Math.max(0, Math.floor((nowMs + state.clockOffsetMs - asOf) / 1000));
}

/** The contract's data-state of a task's timer widget. */
export function timerWidgetState(state, taskId, view, nowMs) {
  if (!state.signedIn) return 'signed-out';
  if (view && view.trackable === false) return 'blocked';
  if (taskId != null && sameTask(state.timer?.task_id, taskId)) return state.timer.state === 'paused' ? 'paused' : 'running';
  return taskTodaySeconds(state, taskId, nowMs) > 0 ? 'today' : 'idle';
}

function sameTask(a, b) {
  return a != null && b != null && String(a) === String(b);
}

/** What a content script needs: the state without bookkeeping, safe to post. */
export function publicState(state) {
  return {
    signedIn: state.signedIn,
    mode: state.mode,
    connected: state.connected,
    user: state.user ? { id: state.user.id, username: state.user.username, role: state.user.role } : null,
    date: state.date,
    todayByTask: state.todayByTask,
    timer: state.timer,
    attendance: state.attendance,
    tasks: state.tasks,
    clockOffsetMs: state.clockOffsetMs,
  };
}
