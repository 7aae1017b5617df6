// The direct transport's login: sign-in from the options page, tokens kept in
// storage.local, refresh on 401, API-token auto-login when the refresh token is gone.
// The password is never stored; an API token only when the user ticked auto-login.

import { localStore } from '../lib/browser_api.js';
import { RelayError, apiUrl, relayFetch } from './relay_http.js';

const STORAGE_KEY = 'credentials';

export class Session {
  constructor({ fetchImpl = (...a) => fetch(...a), store = localStore, onChange = () => {} } = {}) {
    this.fetchImpl = fetchImpl;
    this.store = store;
    this.onChange = onChange;
    this.credentials = null; // {relay, tenant, username, access_token, refresh_token, expires_at, api_token?, auto_login, user}
    this.refreshing = null;
  }

  async load() {
    const stored = await this.store.get(STORAGE_KEY);
    this.credentials = stored?.[STORAGE_KEY] ?? null;
    return this.credentials;
  }

  isSignedIn() {
    return Boolean(this.credentials?.access_token || this.credentials?.api_token);
  }

  target() {
    if (!this.credentials) throw new RelayError(401, 'not_authenticated', 'not signed in');
    return { relay: this.credentials.relay, tenant: this.credentials.tenant };
  }

  accessToken() {
    return this.credentials?.access_token ?? null;
  }

  /** What the options form may show again (never a secret). */
  publicSettings() {
    const c = this.credentials ?? {};
    return { relay: c.relay ?? '', tenant: c.tenant ?? '', username: c.username ?? '', auto_login: Boolean(c.auto_login), user: c.user ?? null };
  }

  /**
   * Sign in with a password or an API token. Nothing is stored unless the relay
   * accepted the credential; a failure throws RelayError.
   */
  async signIn({ relay, tenant, username, password, api_token: apiToken, auto_login: autoLogin }) {
    const answer = apiToken
      ? await this.post(relay, tenant, '/auth/token-login', { api_token: apiToken })
      : await this.post(relay, tenant, '/auth/login', { username, password });
    const credentials = {
      relay,
      tenant,
      username: answer.user?.username ?? username ?? '',
      auto_login: Boolean(apiToken && autoLogin),
      ...tokenFields(answer),
      user: answer.user ?? null,
    };
    if (credentials.auto_login) credentials.api_token = apiToken;
    await this.save(credentials);
    return credentials;
  }

  async signOut() {
    // Keep where and who, so the form is filled in next time; drop every secret.
    const keep = this.credentials ? { relay: this.credentials.relay, tenant: this.credentials.tenant, username: this.credentials.username } : null;
    this.credentials = null;
    await this.store.set({ [STORAGE_KEY]: null, last_sign_in: keep });
    this.onChange(this);
  }

  /** New tokens after a 401: refresh token first, then the auto-login API token. */
  refresh() {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  async doRefresh() {
    const c = this.credentials;
    if (!c) throw new RelayError(401, 'not_authenticated', 'not signed in');
    if (c.refresh_token) {
      try {
        const answer = await this.post(c.relay, c.tenant, '/auth/refresh', { refresh_token: c.refresh_token });
        await this.save({ ...c, ...tokenFields(answer), user: answer.user ?? c.user });
        return;
      } catch (error) {
        if (!(error instanceof RelayError) || error.status !== 401) throw error;
      }
    }
    if (c.auto_login && c.api_token) {
      try {
        const answer = await this.post(c.relay, c.tenant, '/auth/token-login', { api_token: c.api_token });
        await this.save({ ...c, ...tokenFields(answer), user: answer.user ?? c.user });
        return;
      } catch (error) {
        if (!(error instanceof RelayError) || error.status !== 401) throw error;
      }
    }
    await this.signOut();
    throw new RelayError(401, 'not_authenticated', 'signed out: sign in again on the options page');
  }

  async setUser(user) {
    if (this.credentials) await this.save({ ...this.credentials, user });
  }

  async save(credentials) {
    this.credentials = credentials;
    await this.store.set({ [STORAGE_KEY]: credentials });
    this.onChange(this);
  }

  post(relay, tenant, path, body) {
    return relayFetch(this.fetchImpl, apiUrl(relay, tenant, path), { method: 'POST', body });
  }
}

function tokenFields(answer) {
  if (!answer?.access_token) throw new RelayError(502, 'bad_answer', 'the relay answered without a token');
  return {
    access_token: answer.access_token,
    refresh_token: answer.refresh_token ?? null,
    expires_at: answer.expires_in ? Date.now() + answer.expires_in * 1000 : null,
  };
}
