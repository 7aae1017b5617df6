import { test } from 'node:test';
import assert from 'node:assert/strict';

import jira from '../../../extension/sites/jira.js';
import { fixtureUrls, loadFixture } from './fixture.js';

const PROJECT = { id: 'ACME', name: 'Acme Platform' };

test('issue view: key from /browse/, summary, project from the key and breadcrumb', () => {
  const { document, location } = loadFixture('jira', 'issue');
  assert.equal(jira.urlTaskId(location), 'ACME-101');
  assert.equal(jira.urlPattern(location), 'jira:/browse/:key');
  assert.deepEqual(jira.detailTask(document, location), {
    source: 'jira',
    taskId: 'ACME-101',
    title: 'Login fails on Safari',
    url: 'https://acme.atlassian.net/browse/ACME-101',
    project: PROJECT,
    projectCount: 1,
    parentId: null,
    section: 'In Progress',
  });
  const anchor = jira.detailAnchor(document);
  assert.equal(anchor.element.getAttribute('data-testid'), 'issue.views.issue-base.foundation.summary.heading');
  assert.equal(anchor.position, 'afterend');
  assert.equal(jira.darkMode(document), false);
});

test('avatar: beside the profile button', () => {
  const { document } = loadFixture('jira', 'issue');
  const anchor = jira.avatarAnchor(document);
  assert.equal(anchor.element.getAttribute('data-testid'), 'atlassian-navigation--secondary-actions--profile--trigger');
  assert.equal(anchor.position, 'beforebegin');
});

test('board: cards with keys, summaries and columns; no open issue; dark mode', () => {
  const { document, location } = loadFixture('jira', 'board');
  assert.equal(jira.urlTaskId(location), null);
  assert.equal(jira.urlPattern(location), 'jira:/projects/:project/boards/:board');
  assert.equal(jira.detailTask(document, location), null);
  const items = jira.listItems(document, location);
  assert.deepEqual(items.map((i) => [i.task.taskId, i.task.title, i.task.section]), [
    ['ACME-101', 'Login fails on Safari', 'To Do'],
    ['ACME-102', 'Password reset mail is late', 'To Do'],
    ['ACME-103', 'Add dark mode to settings', 'In Progress'],
  ]);
  assert.deepEqual(items[0].task.project, PROJECT);
  assert.equal(jira.darkMode(document), true);
});

test('board modal: ?selectedIssue= names the task; the anchor is inside the dialog', () => {
  const url = fixtureUrls('jira', 'board')[1];
  const { document, location, window } = loadFixture('jira', 'board', url);
  assert.equal(jira.urlTaskId(location), 'ACME-102');
  assert.equal(jira.urlPattern(location), 'jira:/projects/:project/boards/:board?selectedIssue');
  // The fixture's script draws the modal; without scripts, draw what it would.
  const dialog = document.createElement('div');
  dialog.setAttribute('role', 'dialog');
  const heading = dialog.appendChild(document.createElement('h1'));
  heading.setAttribute('data-testid', 'issue.views.issue-base.foundation.summary.heading');
  heading.textContent = 'Password reset mail is late';
  document.body.append(dialog);
  const task = jira.detailTask(document, location);
  assert.equal(task.title, 'Password reset mail is late');
  assert.deepEqual(task.project, PROJECT);
  assert.equal(jira.detailAnchor(document).element, heading);
  assert.ok(window);
});

test('missing anchor: the key and the title from the tab, no anchor', () => {
  const { document, location } = loadFixture('jira', 'missing-anchor');
  const task = jira.detailTask(document, location);
  assert.equal(task.taskId, 'ACME-150');
  assert.equal(task.title, 'Migrate CI to new runners');
  assert.deepEqual(task.project, PROJECT);
  assert.equal(jira.detailAnchor(document), null);
});

test('URL shapes and hosts', () => {
  const at = (href) => new URL(href);
  assert.equal(jira.urlTaskId(at('https://acme.atlassian.net/jira/software/c/projects/ACME/issues/ACME-7')), 'ACME-7');
  assert.equal(jira.urlTaskId(at('https://acme.atlassian.net/browse/ACME')), null);
  assert.equal(jira.urlTaskId(at('https://acme.atlassian.net/jira/your-work?selectedIssue=not-a-key')), null);
  assert.equal(jira.matches(at('https://other.atlassian.net/browse/X-1')), true);
  assert.equal(jira.matches(at('https://atlassian.net.evil.example/browse/X-1')), false);
});
