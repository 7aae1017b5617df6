// HTTP to the relay for the direct transport: JSON in and out, bearer token, one
// refresh-and-retry on 401, the relay's error shape turned into RelayError.

export class RelayError extends Error {
  constructor(status, code, message, details = {}) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The relay's base URL without a trailing slash, or null when it is not http(s). */
export function normaliseRelayUrl(text) {
  let url;
  try {
    url = new URL(String(text ?? '').trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function isLoopbackRelay(relay) {
  try {
    const host = new URL(relay).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  } catch {
    return false;
  }
}

/** The match pattern a custom relay needs as an optional host permission. */
export function relayOriginPattern(relay) {
  return `${new URL(relay).origin}/*`;
}

export function apiUrl(relay, tenant, path) {
  return `${relay}/api/v1/${encodeURIComponent(tenant)}${path}`;
}

export function liveUrl(relay, tenant) {
  return apiUrl(relay, tenant, '/live').replace(/^http/, 'ws');
}

/** One JSON request; throws RelayError for an error answer or a network failure. */
export async function relayFetch(fetchImpl, url, { method = 'GET', body, token, idempotencyKey, onServerDate } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let response;
  try {
    response = await fetchImpl(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
  } catch (error) {
    throw new RelayError(0, 'relay_unavailable', `relay unreachable: ${error?.message ?? error}`);
  }
  const date = response.headers?.get?.('Date');
  if (date && onServerDate) onServerDate(Date.parse(date));
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new RelayError(response.status, error.code ?? `http_${response.status}`, error.message ?? response.statusText, error);
  }
  return data;
}

/**
 * Authenticated requests for a signed-in session. `session` provides
 * `accessToken()` and `refresh()` (which throws when the session is over).
 */
export function createAuthorisedRequester({ fetchImpl, session, onServerDate }) {
  return async function request(method, path, { body, idempotencyKey } = {}) {
    const { relay, tenant } = session.target();
    const url = apiUrl(relay, tenant, path);
    const options = { method, body, idempotencyKey, onServerDate };
    try {
      return await relayFetch(fetchImpl, url, { ...options, token: session.accessToken() });
    } catch (error) {
      if (!(error instanceof RelayError) || error.status !== 401) throw error;
      await session.refresh();
      // Same Idempotency-Key: if the first attempt did reach the relay, this is a repeat.
      return relayFetch(fetchImpl, url, { ...options, token: session.accessToken() });
    }
  };
}
