// The one module that touches the browser's extension API (`browser` in Firefox,
// `chrome` in Chromium). Everything else imports these small wrappers, so unit tests
// can run the rest under node and a fake can be installed with `setExtensionApi`.

let injected = null;

/** For tests: use `fake` instead of the global `browser`/`chrome`. */
export function setExtensionApi(fake) {
  injected = fake;
}

function ext() {
  if (injected) return injected;
  if (typeof globalThis.browser !== 'undefined' && globalThis.browser?.runtime) return globalThis.browser;
  if (typeof globalThis.chrome !== 'undefined' && globalThis.chrome?.runtime) return globalThis.chrome;
  throw new Error('no WebExtension API in this context');
}

export function hasExtensionApi() {
  try {
    ext();
    return true;
  } catch {
    return false;
  }
}

export const extensionId = () => ext().runtime.id;
export const extensionUrl = (path) => ext().runtime.getURL(path);
export const extensionVersion = () => ext().runtime.getManifest().version;

/** A translated message, or `fallback` (the key itself by default) outside the browser. */
export function message(key, substitutions) {
  try {
    return ext().i18n.getMessage(key, substitutions) || key;
  } catch {
    return key;
  }
}

export function uiLanguage() {
  try {
    return ext().i18n.getUILanguage();
  } catch {
    return 'en';
  }
}

// ---- storage ----

function storageArea(name) {
  const area = ext().storage?.[name];
  if (!area) throw new Error(`storage.${name} is not available`);
  return area;
}

export const localStore = {
  get: (keys) => storageArea('local').get(keys),
  set: (items) => storageArea('local').set(items),
  remove: (keys) => storageArea('local').remove(keys),
};

// storage.session survives a restarted service worker but not a browser restart:
// the right place for the state a new worker should answer with at once.
const sessionFallback = new Map();
export const sessionStore = {
  async get(keys) {
    try {
      return await storageArea('session').get(keys);
    } catch {
      return Object.fromEntries([keys].flat().filter((k) => sessionFallback.has(k)).map((k) => [k, sessionFallback.get(k)]));
    }
  },
  async set(items) {
    try {
      await storageArea('session').set(items);
    } catch {
      for (const [key, value] of Object.entries(items)) sessionFallback.set(key, value);
    }
  },
  async remove(keys) {
    try {
      await storageArea('session').remove(keys);
    } catch {
      for (const key of [keys].flat()) sessionFallback.delete(key);
    }
  },
};

export function onStorageChanged(listener) {
  ext().storage.onChanged.addListener((changes, area) => listener(changes, area));
}

// ---- ports and messages ----

/** Wrap a runtime or native port so callers see one shape in both browsers. */
function wrapPort(port) {
  const api = ext();
  return {
    name: port.name,
    sender: port.sender,
    postMessage: (value) => port.postMessage(value),
    disconnect: () => port.disconnect(),
    onMessage: (listener) => port.onMessage.addListener((value) => listener(value)),
    onDisconnect: (listener) =>
      port.onDisconnect.addListener((p) => {
        // Chromium reports why in runtime.lastError, Firefox in port.error (null when
        // the other side simply exited); read both so neither logs "unchecked" errors.
        const reason = p?.error?.message ?? api.runtime.lastError?.message ?? null;
        listener(reason);
      }),
  };
}

export const connectNative = (hostName) => wrapPort(ext().runtime.connectNative(hostName));
export const connectToBackground = (name) => wrapPort(ext().runtime.connect({ name }));

export function onPortConnected(listener) {
  ext().runtime.onConnect.addListener((port) => listener(wrapPort(port)));
}

/** For extension pages: one request to the background, answered by a promise. */
export const sendToBackground = (value) => ext().runtime.sendMessage(value);

/**
 * Background side of sendToBackground. `handler(message, sender)` returns a promise;
 * its value is the answer. Returning true keeps Chromium's channel open.
 */
export function onPageMessage(handler) {
  ext().runtime.onMessage.addListener((value, sender, sendResponse) => {
    Promise.resolve()
      .then(() => handler(value, sender))
      .then(sendResponse, (error) => sendResponse({ ok: false, error: { code: 'internal', message: String(error?.message ?? error) } }));
    return true;
  });
}

// ---- tabs, pages, permissions ----

export const openTab = (url) => ext().tabs.create({ url });
export const openOptionsPage = () => ext().runtime.openOptionsPage();

export async function hasOriginPermission(origin) {
  try {
    return await ext().permissions.contains({ origins: [origin] });
  } catch {
    return false;
  }
}

/** Must be called from a user gesture (the options page's submit). */
export async function requestOriginPermission(origin) {
  try {
    return await ext().permissions.request({ origins: [origin] });
  } catch {
    return false;
  }
}

export function setBadge(text, color) {
  const action = ext().action;
  if (!action) return;
  action.setBadgeText({ text }).catch?.(() => {});
  if (color) action.setBadgeBackgroundColor({ color }).catch?.(() => {});
}
