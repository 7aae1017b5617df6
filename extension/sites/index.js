// The site adapters the content script chooses from. Each adapter is self-contained
// (a selector table and small functions returning plain data; see asana.js); this file
// only lists them and picks the one for the page's host.

import asana from './asana.js';
import jira from './jira.js';
import trello from './trello.js';

export const SITES = Object.freeze([asana, jira, trello]);

/** The adapter for a location (anything with `hostname`), or null off the three sites. */
export function siteFor(location) {
  return SITES.find((site) => site.matches(location)) || null;
}
