// Background entry (Chrome/Opera service worker, Firefox background script). Listeners
// are registered synchronously at start, as MV3 requires for a worker woken by an event.

import {
  connectNative,
  extensionId,
  extensionUrl,
  extensionVersion,
  localStore,
  onPageMessage,
  onPortConnected,
  openTab,
  sessionStore,
  setBadge,
} from '../lib/browser_api.js';
import { validateContentMessage } from '../lib/message_validation.js';
import { Controller } from './controller.js';
import { Session } from './session.js';
import { AgentTransport } from './transport_agent.js';
import { DirectTransport } from './transport_direct.js';
import { validatePageMessage } from './page_messages.js';

/* global TASKCLOCK_BROWSER */
const BROWSER = typeof TASKCLOCK_BROWSER === 'string' ? TASKCLOCK_BROWSER : 'chrome';
export const CONTENT_PORT_NAME = 'taskclock-content';

const session = new Session();
const controller = new Controller({
  session,
  makeAgent: (handlers) => new AgentTransport({ ...handlers, connect: connectNative }),
  makeDirect: (handlers) => new DirectTransport({ session, ...handlers }),
  sessionStore,
  localStore,
  openTab,
  extensionUrl,
  version: extensionVersion(),
  browser: BROWSER,
  onStateChanged: (state) => setBadge(state.timer?.state === 'running' ? '●' : '', '#d63031'),
});

onPortConnected((port) => {
  if (port.name !== CONTENT_PORT_NAME) {
    port.disconnect();
    return;
  }
  controller.init().then(() => controller.addPort(port));
  port.onDisconnect(() => controller.removePort(port));
  port.onMessage(async (message) => {
    const verdict = validateContentMessage(message, port.sender, extensionId());
    if (!verdict.ok) {
      controller.recordDropped(verdict.reason);
      return; // dropped without an answer: a misbehaving sender learns nothing
    }
    try {
      const result = await controller.request(message.type, message.payload ?? {});
      port.postMessage({ type: 'reply', id: message.id, ok: true, result: result ?? null });
    } catch (error) {
      port.postMessage({ type: 'reply', id: message.id, ok: false, error: errorBody(error) });
    }
  });
});

onPageMessage(async (message, sender) => {
  const verdict = validatePageMessage(message, sender, extensionId(), extensionUrl(''));
  if (!verdict.ok) {
    controller.recordDropped(verdict.reason);
    return { ok: false, error: { code: 'dropped', message: verdict.reason } };
  }
  try {
    return { ok: true, result: await handlePage(message.type, message.payload ?? {}) };
  } catch (error) {
    return { ok: false, error: errorBody(error) };
  }
});

function handlePage(type, payload) {
  switch (type) {
    case 'session.status':
      return controller.status();
    case 'session.signIn':
      return controller.signIn(payload);
    case 'session.signOut':
      return controller.signOut();
    default:
      return controller.request(type, payload);
  }
}

function errorBody(error) {
  return { code: error?.code ?? 'internal', message: String(error?.message ?? error), ...(error?.details?.reason ? { reason: error.details.reason } : {}) };
}

controller.init();
