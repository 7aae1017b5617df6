// Every message a content script sends is checked here before the background acts on
// it: a page can run code in the content script's world only through bugs, but a
// compromised or confused content script must still not reach the relay with anything
// but the few well-formed requests a widget makes.

export const SITE_SOURCES = Object.freeze(['asana', 'jira', 'trello']);

/** The site a URL belongs to, or null when the extension has no business there. */
export function siteForUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:') return null;
  const host = parsed.hostname.toLowerCase();
  if (host === 'app.asana.com') return 'asana';
  if (host === 'trello.com') return 'trello';
  if (/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.atlassian\.net$/.test(host)) return 'jira';
  return null;
}

const isString = (max) => (value) => typeof value === 'string' && value.length <= max;
const isNonEmptyString = (max) => (value) => typeof value === 'string' && value.length > 0 && value.length <= max;
const isId = (value) =>
  (Number.isSafeInteger(value) && value > 0) || (typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value));
const isDate = (value) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
const isMonth = (value) => typeof value === 'string' && /^\d{4}-(0[1-9]|1[0-2])$/.test(value);
const isSeconds = (value) => Number.isSafeInteger(value) && value > 0 && value <= 24 * 3600;
const isCount = (value) => Number.isSafeInteger(value) && value >= 0 && value <= 1_000_000;
const optional = (check) => (value) => value === undefined || check(value);
const nullable = (check) => (value) => value === null || value === undefined || check(value);

function isPageTask(value) {
  return (
    isPlainObject(value) &&
    SITE_SOURCES.includes(value.source) &&
    isNonEmptyString(200)(value.taskId) &&
    isString(2000)(value.title) &&
    isString(4000)(value.url) &&
    nullable((project) => isPlainObject(project) && isString(200)(project.id) && isString(1000)(project.name))(value.project) &&
    isCount(value.projectCount) &&
    nullable(isString(200))(value.parentId) &&
    nullable(isString(1000))(value.section)
  );
}

/** Allowed message types and the shape of each one's payload (unknown keys refused). */
export const CONTENT_MESSAGE_SHAPES = Object.freeze({
  'state.get': {},
  'tasks.resolve': { items: (items) => Array.isArray(items) && items.length > 0 && items.length <= 200 && items.every(isPageTask) },
  'tasks.update': { task_id: isId, billable: optional((v) => typeof v === 'boolean'), budget_seconds: optional(nullable((v) => Number.isSafeInteger(v) && v >= 0)) },
  'timer.start': { task_id: isId, notes: optional(isString(2000)) },
  'timer.pause': {},
  'timer.resume': {},
  'timer.stop': { notes: optional(isString(2000)) },
  'attendance.toggle': {},
  'entries.list': { task_id: isId },
  'entries.create': { task_id: isId, date: isDate, duration_seconds: isSeconds, notes: optional(isString(2000)) },
  'entries.update': { entry_id: isId, date: optional(isDate), duration_seconds: optional(isSeconds), notes: optional(isString(2000)) },
  'entries.delete': { entry_id: isId },
  'diagnostics.report': { site: (v) => SITE_SOURCES.includes(v), pattern: isNonEmptyString(200), misses: isCount, mounted: isCount },
  'page.open': { page: (v) => v === 'timesheet' || v === 'options', month: optional(isMonth) },
});

export const CONTENT_MESSAGE_TYPES = Object.freeze(Object.keys(CONTENT_MESSAGE_SHAPES));

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

function payloadMatches(payload, shape) {
  if (!isPlainObject(payload)) return false;
  for (const key of Object.keys(payload)) if (!(key in shape)) return false;
  return Object.entries(shape).every(([key, check]) => check(payload[key]));
}

/**
 * Check one message from a content script. `sender` is the runtime's MessageSender.
 * Returns `{ok: true, site}` or `{ok: false, reason}` (reason names the failed check,
 * for the drop counters).
 */
export function validateContentMessage(message, sender, extensionId) {
  if (!sender || sender.id !== extensionId) return { ok: false, reason: 'foreign-sender' };
  const site = siteForUrl(sender.tab?.url ?? sender.url ?? '');
  if (!site) return { ok: false, reason: 'site-not-allowed' };
  if (!isPlainObject(message)) return { ok: false, reason: 'not-an-object' };
  if (typeof message.id !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(message.id)) return { ok: false, reason: 'bad-id' };
  const shape = Object.hasOwn(CONTENT_MESSAGE_SHAPES, message.type) ? CONTENT_MESSAGE_SHAPES[message.type] : null;
  if (!shape) return { ok: false, reason: 'type-not-allowed' };
  const payload = message.payload ?? {};
  if (!payloadMatches(payload, shape)) return { ok: false, reason: 'bad-payload' };
  if (message.type === 'tasks.resolve' && payload.items.some((item) => item.source !== site)) {
    return { ok: false, reason: 'source-mismatch' };
  }
  if (message.type === 'diagnostics.report' && payload.site !== site) return { ok: false, reason: 'source-mismatch' };
  return { ok: true, site };
}

/** Map an adapter's PageTask to CONTRACT.md's page task for POST tasks/resolve. */
export function toRelayPageTask(task) {
  const pageTask = {
    source: task.source,
    external_id: task.taskId,
    title: task.title,
    url: task.url,
    project: task.project ? { external_id: task.project.id, name: task.project.name } : null,
    project_count: task.projectCount,
  };
  if (task.parentId) pageTask.parent_external_id = task.parentId;
  if (task.section) pageTask.section = task.section;
  return pageTask;
}
