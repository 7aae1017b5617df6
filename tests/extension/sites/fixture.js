// Loads a fixture page (tests/fixtures/sites/<site>/<view>.html) into jsdom, without
// running its scripts: the adapters must read the page as the server sent it.

import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const HOSTS = { asana: 'app.asana.com', jira: 'acme.atlassian.net', trello: 'trello.com' };

/** The URLs a fixture page declares it stands for (its first one is where it loads). */
export function fixtureUrls(site, view) {
  const html = readFileSync(new URL(`../../fixtures/sites/${site}/${view}.html`, import.meta.url), 'utf8');
  return [...html.matchAll(/<meta\s+name="taskclock-fixture-url"\s+content="([^"]+)"/g)]
    .map((match) => `https://${HOSTS[site]}${match[1].replaceAll('&amp;', '&')}`);
}

/** `{document, location}` for a fixture page at its URL (or at `url`, for SPA routes). */
export function loadFixture(site, view, url = fixtureUrls(site, view)[0]) {
  const html = readFileSync(new URL(`../../fixtures/sites/${site}/${view}.html`, import.meta.url), 'utf8');
  const dom = new JSDOM(html, { url });
  return { document: dom.window.document, location: dom.window.location, window: dom.window };
}
