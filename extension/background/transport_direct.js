// Direct transport: REST calls and the live websocket straight to the relay, with the
// tokens from the options page's sign-in. Same operations as the agent transport.

import { LiveSocket } from './live_socket.js';
import { createAuthorisedRequester, liveUrl } from './relay_http.js';
import { isStateChanging, restRequest } from './operations.js';

export class DirectTransport {
  /**
   * @param options.session a Session (signed in)
   * @param options.since () => last seq seen
   * @param options.onFrame (frame) => void: welcome, event, snapshot, error
   * @param options.onConnected (bool) => void
   * @param options.onServerDate (ms) => void: the relay's clock, from HTTP Date headers
   */
  constructor({ session, since, onFrame, onConnected, onServerDate, fetchImpl = (...a) => fetch(...a), WebSocketImpl = globalThis.WebSocket }) {
    this.kind = 'direct';
    this.session = session;
    this.request = createAuthorisedRequester({ fetchImpl, session, onServerDate });
    this.live = new LiveSocket({
      WebSocketImpl,
      url: () => {
        const { relay, tenant } = session.target();
        return liveUrl(relay, tenant);
      },
      token: () => session.accessToken(),
      since,
      onFrame,
      onConnected,
      onUnauthenticated: () => session.refresh(),
    });
  }

  async start() {
    if (!this.session.accessToken()) await this.session.refresh(); // auto-login with only an API token
    this.live.start();
  }

  stop() {
    this.live.stop();
  }

  call(op, args = {}, { idempotencyKey } = {}) {
    const { method, path, body } = restRequest(op, args);
    if (isStateChanging(op) && !idempotencyKey) throw new Error(`${op} needs an Idempotency-Key`);
    return this.request(method, path, { body, idempotencyKey });
  }
}
