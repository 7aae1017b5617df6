// options.html: sign-in for the direct transport, the status (agent, signed-in,
// signed-out) and the per-site diagnostics. A failed sign-in shows the relay's reason
// and stores nothing (the background saves only what the relay accepted).

import { requestOriginPermission } from '../lib/browser_api.js';
import { t } from '../lib/i18n.js';
import { isLoopbackRelay, normaliseRelayUrl, relayOriginPattern } from '../background/relay_http.js';
import { ask, translatePage } from './page_client.js';

const SITES = ['asana', 'jira', 'trello'];
const form = document.querySelector('form[data-role="sign-in"]');
const statusNode = document.querySelector('[data-role="status"]');
const errorNode = document.querySelector('[data-role="error"]');
const signOutButton = document.querySelector('[data-action="sign-out"]');
let filledIn = false;

function showError(text) {
  errorNode.textContent = text ?? '';
}

function showStatus(answer) {
  statusNode.textContent = answer.status;
  statusNode.setAttribute('data-state', answer.status);
  const user = answer.user;
  document.querySelector('[data-role="user"]').textContent = user ? `${user.username ?? ''}${user.role ? ` (${user.role})` : ''}` : '';
  signOutButton.hidden = answer.status !== 'signed-in';
  if (!filledIn) {
    filledIn = true;
    const settings = answer.settings ?? {};
    for (const name of ['relay', 'tenant', 'username']) if (settings[name]) form.elements[name].value = settings[name];
    form.elements.auto_login.checked = Boolean(settings.auto_login);
  }
  showDiagnostics(answer.diagnostics ?? {});
}

function showDiagnostics(diagnostics) {
  const body = document.querySelector('[data-role="diagnostics"] tbody');
  const rows = SITES.map((site) => {
    const counts = diagnostics.sites?.[site] ?? { misses: 0, mounted: 0, patterns: {} };
    const row = document.createElement('tr');
    row.setAttribute('data-site', site);
    row.setAttribute('data-misses', String(counts.misses ?? 0));
    row.setAttribute('data-mounted', String(counts.mounted ?? 0));
    const cells = [site, String(counts.mounted ?? 0), String(counts.misses ?? 0), patternsText(counts.patterns)];
    cells.forEach((text, index) => {
      const cell = document.createElement('td');
      if (index === 1 || index === 2) cell.className = 'num';
      cell.textContent = text;
      row.append(cell);
    });
    return row;
  });
  body.replaceChildren(...rows);
  const dropped = Object.values(diagnostics.dropped ?? {}).reduce((sum, n) => sum + n, 0);
  document.querySelector('[data-role="dropped"]').textContent = String(dropped);
}

function patternsText(patterns = {}) {
  return Object.entries(patterns).map(([pattern, misses]) => `${pattern}: ${misses}`).join(', ');
}

async function refresh() {
  try {
    showStatus(await ask('session.status'));
  } catch (error) {
    showError(error.message);
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  showError('');
  const relay = normaliseRelayUrl(form.elements.relay.value);
  const payload = {
    relay,
    tenant: form.elements.tenant.value.trim(),
    username: form.elements.username.value.trim() || undefined,
    password: form.elements.password.value || undefined,
    api_token: form.elements.api_token.value.trim() || undefined,
    auto_login: form.elements.auto_login.checked,
  };
  if (!relay) return showError(t('optionsBadRelay'));
  if (!payload.tenant || !(payload.api_token || (payload.username && payload.password))) return showError(t('optionsMissingFields'));
  // A custom relay is an optional host permission, asked for inside this click.
  const permission = isLoopbackRelay(relay) ? Promise.resolve(true) : requestOriginPermission(relayOriginPattern(relay));
  return permission.then(async (granted) => {
    if (!granted) return showError(t('optionsNeedPermission'));
    try {
      const answer = await ask('session.signIn', payload);
      form.elements.password.value = '';
      form.elements.api_token.value = '';
      showStatus(answer);
    } catch (error) {
      showError(error.message);
      await refresh();
    }
    return undefined;
  });
});

signOutButton.addEventListener('click', async () => {
  showError('');
  try {
    showStatus(await ask('session.signOut'));
  } catch (error) {
    showError(error.message);
  }
});

translatePage();
refresh();
setInterval(refresh, 2_000); // the agent can appear or go away at any time
