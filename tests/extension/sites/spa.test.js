// The fixture pages' own routers (what the end-to-end tests drive): after pushState and
// a re-render, each adapter reads the new task from the new URL and the new markup.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

import { siteFor } from '../../../extension/sites/index.js';
import { fixtureUrls } from './fixture.js';

function livePage(site, view) {
  const html = readFileSync(new URL(`../../fixtures/sites/${site}/${view}.html`, import.meta.url), 'utf8');
  return new JSDOM(html, { url: fixtureUrls(site, view)[0], runScripts: 'dangerously' }).window;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

const CASES = [
  ['asana', 'task-pane', '/0/1201000000000101/1202000000000202', '1202000000000202', 'Fix checkout bug'],
  ['jira', 'issue', '/browse/ACME-102', 'ACME-102', 'Password reset mail is late'],
  ['trello', 'card', '/c/Qw34Er56/13-customer-interviews', 'Qw34Er56', 'Customer interviews'],
];

for (const [siteName, view, path, taskId, title] of CASES) {
  test(`${siteName}: pushState to another task re-renders it, the anchor is new`, async () => {
    const window = livePage(siteName, view);
    const site = siteFor(window.location);
    const before = site.detailAnchor(window.document).element;
    window.fixtureNavigate(path);
    await settle();
    assert.equal(site.urlTaskId(window.location), taskId);
    const task = site.detailTask(window.document, window.location);
    assert.equal(task.taskId, taskId);
    assert.equal(task.title, title);
    const after = site.detailAnchor(window.document).element;
    assert.notEqual(after, before, 'the site re-rendered: the old anchor is gone');
    assert.equal(before.isConnected, false);
    window.close();
  });
}

test('jira board: a card click opens the modal with ?selectedIssue=, close removes it', async () => {
  const window = livePage('jira', 'board');
  const site = siteFor(window.location);
  assert.equal(site.detailAnchor(window.document), null);
  window.document.querySelector('[data-issue-key="ACME-103"] span').click();
  await settle();
  assert.equal(site.urlTaskId(window.location), 'ACME-103');
  assert.equal(site.detailTask(window.document, window.location).title, 'Add dark mode to settings');
  assert.ok(site.detailAnchor(window.document).element.closest('[role="dialog"]'));
  window.document.querySelector('[data-testid="issue.views.issue-base.close"]').click();
  await settle();
  assert.equal(site.urlTaskId(window.location), null);
  assert.equal(window.document.querySelector('[role="dialog"]'), null);
  window.close();
});

test('markup in titles is never parsed by the fixture routers either', async () => {
  const window = livePage('asana', 'task-pane');
  window.fixtureNavigate('/0/1201000000000101/1202000000000203');
  await settle();
  assert.equal(window.__taskclockXss, undefined);
  assert.equal(window.document.querySelectorAll('img').length, 0);
  window.close();
});
