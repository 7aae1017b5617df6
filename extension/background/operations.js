// The operations both transports offer, and how the direct transport maps each to the
// relay's REST API (CONTRACT.md). The agent transport sends the same op names and args
// over native messaging (extension/lib/agent_protocol.md).

/** op -> {method, path(args) -> string, pathKeys: args that go into the path, changes: state-changing}. */
export const OPERATIONS = Object.freeze({
  me: { method: 'GET', path: () => '/me' },
  resolve: { method: 'POST', path: () => '/tasks/resolve' },
  'tasks.update': { method: 'PATCH', path: (a) => `/tasks/${encodeURIComponent(a.task_id)}`, pathKeys: ['task_id'], changes: true },
  'timer.get': { method: 'GET', path: () => '/timer' },
  'timer.start': { method: 'POST', path: () => '/timer/start', changes: true },
  'timer.pause': { method: 'POST', path: () => '/timer/pause', changes: true },
  'timer.resume': { method: 'POST', path: () => '/timer/resume', changes: true },
  'timer.stop': { method: 'POST', path: () => '/timer/stop', changes: true },
  today: { method: 'GET', path: () => '/today' },
  'attendance.toggle': { method: 'POST', path: () => '/attendance/toggle', changes: true },
  'entries.list': { method: 'GET', path: () => '/entries' },
  'entries.create': { method: 'POST', path: () => '/entries', changes: true },
  'entries.update': { method: 'PATCH', path: (a) => `/entries/${encodeURIComponent(a.entry_id)}`, pathKeys: ['entry_id'], changes: true },
  'entries.delete': { method: 'DELETE', path: (a) => `/entries/${encodeURIComponent(a.entry_id)}`, pathKeys: ['entry_id'], changes: true },
  timesheet: { method: 'GET', path: () => '/timesheet' },
});

export const OPERATION_NAMES = Object.freeze(Object.keys(OPERATIONS));

export function isStateChanging(op) {
  return Boolean(OPERATIONS[op]?.changes);
}

/** A fresh Idempotency-Key: made once per click, reused if that click's request is retried. */
export function newIdempotencyKey() {
  return crypto.randomUUID();
}

/** Split args into the request's path, query and body for one op. */
export function restRequest(op, args = {}) {
  const spec = OPERATIONS[op];
  if (!spec) throw new Error(`unknown operation ${op}`);
  const rest = { ...args };
  for (const key of spec.pathKeys ?? []) delete rest[key];
  let path = spec.path(args);
  let body;
  if (spec.method === 'GET') {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(rest)) if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
    const text = query.toString();
    if (text) path += `?${text}`;
  } else if (spec.method !== 'DELETE') {
    body = rest;
  }
  return { method: spec.method, path, body };
}
