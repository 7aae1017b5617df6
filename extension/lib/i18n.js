// Translated UI text. The browser's i18n picks the language (en or de, from
// _locales/); outside the browser (unit tests) the English file is the fallback, so a
// message key never reaches the screen.

import english from '../_locales/en/messages.json' with { type: 'json' };
import { message } from './browser_api.js';

export function t(key, substitutions) {
  const translated = message(key, substitutions);
  if (translated && translated !== key) return translated;
  const entry = english[key];
  if (!entry) return key;
  const subs = [substitutions ?? []].flat().map(String);
  // Named placeholders ($DETAIL$) point at $1..$9, as in the browser's own lookup.
  const named = entry.message.replace(/\$([A-Za-z_]+)\$/g, (_, name) => entry.placeholders?.[name.toLowerCase()]?.content ?? '');
  return named.replace(/\$(\d)/g, (_, n) => subs[Number(n) - 1] ?? '');
}
