// Agent transport: the same operations over native messaging to
// `taskclock agent native-host` (protocol: extension/lib/agent_protocol.md). Used when
// the host answers a hello; the agent keeps the relay connection, the login and the
// offline outbox for every browser of this user.

import { connectNative } from '../lib/browser_api.js';
import { AGENT_HOST_NAME } from '../lib/protocol.js';
import { RelayError } from './relay_http.js';
import { isStateChanging } from './operations.js';

// Generous: the browser starts a Python process for the host, slow on a busy machine.
// With no host installed the port fails at once, so this never delays the fallback.
export const HELLO_TIMEOUT_MS = 10_000;
const CALL_TIMEOUT_MS = 30_000;

export class AgentTransport {
  /**
   * @param options.onFrame (frame) => void: event, snapshot and status frames the host pushes
   * @param options.onDisconnected (reason) => void: the host went away
   * @param options.connect (hostName) => port; defaults to runtime.connectNative
   */
  constructor({ onFrame, onDisconnected, connect = connectNative, helloTimeoutMs = HELLO_TIMEOUT_MS }) {
    this.kind = 'agent';
    this.options = { onFrame, onDisconnected, connect, helloTimeoutMs };
    this.port = null;
    this.pending = new Map();
    this.nextId = 1;
    this.closed = false;
  }

  /** Open the port and say hello; resolves with the hello result, rejects when no agent answers. */
  async start(helloArgs) {
    try {
      this.port = this.options.connect(AGENT_HOST_NAME);
    } catch (error) {
      throw new RelayError(0, 'agent_unavailable', String(error?.message ?? error));
    }
    this.port.onMessage((message) => this.receive(message));
    this.port.onDisconnect((reason) => this.disconnected(reason));
    return this.send('hello', helloArgs, { timeoutMs: this.options.helloTimeoutMs });
  }

  stop() {
    this.closed = true;
    try {
      this.port?.disconnect();
    } catch {
      /* gone already */
    }
    this.failAll('agent_unavailable', 'agent transport stopped');
  }

  call(op, args = {}, { idempotencyKey } = {}) {
    if (isStateChanging(op) && !idempotencyKey) throw new Error(`${op} needs an Idempotency-Key`);
    return this.send(op, args, { idempotencyKey });
  }

  send(op, args, { idempotencyKey, timeoutMs = CALL_TIMEOUT_MS } = {}) {
    if (!this.port || this.closed) return Promise.reject(new RelayError(0, 'agent_unavailable', 'the agent is not connected'));
    const id = `r${this.nextId++}`;
    const request = { id, op, args: args ?? {} };
    if (idempotencyKey) request.idempotency_key = idempotencyKey;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RelayError(0, 'agent_timeout', `the agent did not answer ${op}`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.port.postMessage(request);
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new RelayError(0, 'agent_unavailable', String(error?.message ?? error)));
      }
    });
  }

  receive(message) {
    if (!message || typeof message !== 'object') return;
    if (typeof message.id === 'string' && this.pending.has(message.id)) {
      const { resolve, reject, timer } = this.pending.get(message.id);
      clearTimeout(timer);
      this.pending.delete(message.id);
      if (message.ok) resolve(message.queued ? { queued: true, ...(message.result ?? {}) } : message.result);
      else {
        const error = message.error ?? {};
        reject(new RelayError(error.status ?? 0, error.code ?? 'agent_error', error.message ?? 'the agent refused', error));
      }
      return;
    }
    if (message.type === 'event' || message.type === 'snapshot' || message.type === 'status') this.options.onFrame?.(message);
  }

  disconnected(reason) {
    this.port = null;
    this.failAll('agent_unavailable', reason ?? 'the agent exited');
    if (!this.closed) this.options.onDisconnected?.(reason);
    this.closed = true;
  }

  failAll(code, message) {
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(new RelayError(0, code, message));
    }
    this.pending.clear();
  }
}
