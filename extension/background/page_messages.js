// Requests from the extension's own pages (options, timesheet, popup). They may do more
// than a content script (sign in, sign out), so they must come from this extension's
// own origin, never from a tab showing a web site.

import { normaliseRelayUrl } from './relay_http.js';

const isShortString = (max) => (value) => value === undefined || (typeof value === 'string' && value.length <= max);

const PAGE_SHAPES = {
  'session.status': () => true,
  'session.signOut': () => true,
  'session.signIn': (p) =>
    normaliseRelayUrl(p.relay) === p.relay &&
    typeof p.tenant === 'string' && /^[a-z0-9][a-z0-9-]{0,62}$/i.test(p.tenant) &&
    isShortString(200)(p.username) && isShortString(1000)(p.password) && isShortString(1000)(p.api_token) &&
    (p.auto_login === undefined || typeof p.auto_login === 'boolean') &&
    Boolean(p.api_token || (p.username && p.password)),
  'state.get': () => true,
  me: () => true,
  timesheet: (p) => typeof p.month === 'string' && /^\d{4}-(0[1-9]|1[0-2])$/.test(p.month),
  'timer.pause': () => true,
  'timer.resume': () => true,
  'timer.stop': () => true,
  'page.open': (p) => p.page === 'timesheet' || p.page === 'options',
};

export function validatePageMessage(message, sender, extensionId, extensionOrigin) {
  if (!sender || sender.id !== extensionId) return { ok: false, reason: 'foreign-sender' };
  if (typeof sender.url !== 'string' || !sender.url.startsWith(extensionOrigin)) return { ok: false, reason: 'not-an-extension-page' };
  if (!message || typeof message !== 'object' || !Object.hasOwn(PAGE_SHAPES, message.type)) return { ok: false, reason: 'type-not-allowed' };
  const payload = message.payload ?? {};
  if (typeof payload !== 'object' || !PAGE_SHAPES[message.type](payload)) return { ok: false, reason: 'bad-payload' };
  return { ok: true };
}
