// The direct transport's live websocket: hello with token and the last seq seen,
// welcome, then events (or a snapshot when the gap is too old); a token_expiring
// warning is answered with {type: "auth", token} after a refresh; ping every 20 s so a
// dead connection is noticed (and so Chromium keeps the service worker alive);
// reconnect with jittered exponential backoff; 4401 means "refresh the token first".

import { CLOSE_UNAUTHENTICATED, ERROR_CODES, MESSAGE_TYPES } from '../lib/protocol.js';

export const PING_INTERVAL_MS = 20_000;
export const PONG_TIMEOUT_MS = 10_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30_000;

/** Full-jitter backoff: a random delay up to min(cap, base * 2^attempt). */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
  return Math.round(BACKOFF_BASE_MS / 2 + random() * (ceiling - BACKOFF_BASE_MS / 2));
}

export class LiveSocket {
  /**
   * @param options.url () => ws URL;  options.token () => access token;  options.since () => last seq
   * @param options.onFrame (frame) => void for welcome, event, snapshot and error frames
   * @param options.onConnected (bool) => void
   * @param options.onUnauthenticated async () => void: refresh the token, throw to give up
   */
  constructor(options) {
    this.options = { WebSocketImpl: globalThis.WebSocket, random: Math.random, ...options };
    this.socket = null;
    this.attempt = 0;
    this.stopped = true;
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.clearHeartbeat();
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      try {
        socket.close(1000, 'stopped');
      } catch {
        /* already closed */
      }
    }
  }

  connect() {
    if (this.stopped) return;
    let socket;
    try {
      socket = new this.options.WebSocketImpl(this.options.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: MESSAGE_TYPES.HELLO, token: this.options.token(), since: this.options.since() }));
    };
    socket.onmessage = (message) => this.receive(socket, message.data);
    socket.onclose = (close) => this.closed(socket, close.code);
    socket.onerror = () => {
      /* onclose follows and decides */
    };
  }

  receive(socket, text) {
    if (socket !== this.socket) return;
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    clearTimeout(this.pongTimer); // anything from the relay proves the line is alive
    if (frame.type === MESSAGE_TYPES.PING) {
      socket.send(JSON.stringify({ type: MESSAGE_TYPES.PONG }));
      return;
    }
    if (frame.type === MESSAGE_TYPES.PONG || frame.type === MESSAGE_TYPES.AUTH) return;
    if (frame.type === MESSAGE_TYPES.ERROR && frame.error?.code === ERROR_CODES.TOKEN_EXPIRING) {
      this.renew(socket);
      return;
    }
    if (frame.type === MESSAGE_TYPES.WELCOME) {
      this.attempt = 0;
      this.startHeartbeat(socket);
      this.options.onConnected?.(true);
    }
    this.options.onFrame?.(frame);
  }

  /** The relay warns before the token expires: refresh it and hand it over in band. */
  async renew(socket) {
    try {
      await this.options.onUnauthenticated();
    } catch {
      return; // the relay closes with 4401 at expiry; closed() gives up then
    }
    if (socket === this.socket) socket.send(JSON.stringify({ type: MESSAGE_TYPES.AUTH, token: this.options.token() }));
  }

  async closed(socket, code) {
    if (socket !== this.socket) return;
    this.socket = null;
    this.clearHeartbeat();
    this.options.onConnected?.(false);
    if (this.stopped) return;
    if (code === CLOSE_UNAUTHENTICATED) {
      try {
        await this.options.onUnauthenticated();
      } catch {
        this.stopped = true; // signed out: nothing to reconnect for
        return;
      }
      this.connect();
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt, this.options.random);
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  startHeartbeat(socket) {
    this.clearHeartbeat();
    this.pingTimer = setInterval(() => {
      if (socket !== this.socket) return;
      socket.send(JSON.stringify({ type: MESSAGE_TYPES.PING }));
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => {
        try {
          socket.close(4000, 'no pong');
        } catch {
          /* closing anyway */
        }
      }, PONG_TIMEOUT_MS);
    }, PING_INTERVAL_MS);
  }

  clearHeartbeat() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}
