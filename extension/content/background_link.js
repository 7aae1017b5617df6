// The content script's one port to the background: request/answer by id, state pushes,
// and a reconnect when the port drops (an MV3 service worker that was stopped comes
// back on the next connect).

import { connectToBackground } from '../lib/browser_api.js';

export const CONTENT_PORT_NAME = 'taskclock-content';
const RECONNECT_MS = 500;
const REQUEST_TIMEOUT_MS = 30_000;

export class RequestError extends Error {
  constructor({ code, message, reason }) {
    super(message || code);
    this.code = code;
    this.reason = reason ?? null;
  }
}

export class BackgroundLink {
  constructor({ connect = connectToBackground, onState = () => {} } = {}) {
    this.connectFn = connect;
    this.onState = onState;
    this.pending = new Map();
    this.nextId = 1;
    this.port = null;
    this.stopped = false;
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    try {
      this.port = this.connectFn(CONTENT_PORT_NAME);
    } catch {
      // The extension was reloaded or removed: this content script is orphaned.
      this.stopped = true;
      return;
    }
    this.port.onMessage((message) => this.receive(message));
    this.port.onDisconnect(() => {
      this.port = null;
      for (const { reject, timer } of this.pending.values()) {
        clearTimeout(timer);
        reject(new RequestError({ code: 'disconnected', message: 'the extension restarted; try again' }));
      }
      this.pending.clear();
      setTimeout(() => this.connect(), RECONNECT_MS);
    });
  }

  receive(message) {
    if (!message || typeof message !== 'object') return;
    if (message.type === 'state') {
      this.onState(message.state);
      return;
    }
    if (message.type === 'reply' && this.pending.has(message.id)) {
      const { resolve, reject, timer } = this.pending.get(message.id);
      clearTimeout(timer);
      this.pending.delete(message.id);
      if (message.ok) resolve(message.result);
      else reject(new RequestError(message.error ?? { code: 'error', message: 'failed' }));
    }
  }

  request(type, payload = {}) {
    if (!this.port) return Promise.reject(new RequestError({ code: 'disconnected', message: 'the extension is not reachable' }));
    const id = `c${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestError({ code: 'timeout', message: 'no answer from the extension' }));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.port.postMessage({ id, type, payload });
    });
  }

  stop() {
    this.stopped = true;
    this.port?.disconnect();
  }
}
