// Extension pages (options, timesheet, popup) ask the background through one call.

import { sendToBackground, uiLanguage } from '../lib/browser_api.js';
import { t } from '../lib/i18n.js';

export class PageRequestError extends Error {
  constructor(error) {
    super(error?.message || error?.code || 'failed');
    this.code = error?.code ?? 'error';
  }
}

export async function ask(type, payload = {}) {
  const answer = await sendToBackground({ type, payload });
  if (!answer?.ok) throw new PageRequestError(answer?.error);
  return answer.result;
}

/** Fill every [data-i18n] element's text from the locale files. */
export function translatePage(doc = document) {
  doc.documentElement.lang = uiLanguage();
  for (const node of doc.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n'));
  for (const node of doc.querySelectorAll('[data-i18n-title]')) node.setAttribute('title', t(node.getAttribute('data-i18n-title')));
}
