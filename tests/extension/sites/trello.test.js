import { test } from 'node:test';
import assert from 'node:assert/strict';

import trello from '../../../extension/sites/trello.js';
import { SITES, siteFor } from '../../../extension/sites/index.js';
import { loadFixture } from './fixture.js';

const BOARD = { id: 'AbCd1234', name: 'Product Roadmap' };

test('card back: the short link, the title input value, the board as project', () => {
  const { document, location } = loadFixture('trello', 'card');
  assert.equal(trello.urlTaskId(location), 'Xy12Ab34');
  assert.equal(trello.urlPattern(location), 'trello:/c/:card');
  assert.deepEqual(trello.detailTask(document, location), {
    source: 'trello',
    taskId: 'Xy12Ab34',
    title: 'Design review',
    url: 'https://trello.com/c/Xy12Ab34',
    project: BOARD,
    projectCount: 1,
    parentId: null,
    section: null,
  });
  const anchor = trello.detailAnchor(document);
  assert.equal(anchor.element.getAttribute('data-testid'), 'card-back-name');
  assert.ok(anchor.element.closest('[role="dialog"]'), 'inside the focus-locked dialog');
});

test('board: cards with short links and list names; the avatar', () => {
  const { document, location } = loadFixture('trello', 'board');
  assert.equal(trello.urlTaskId(location), null);
  assert.equal(trello.urlPattern(location), 'trello:/b/:board');
  const items = trello.listItems(document, location);
  assert.deepEqual(items.map((i) => [i.task.taskId, i.task.section]), [
    ['Xy12Ab34', 'Backlog'], ['Qw34Er56', 'Backlog'], ['Mk66Up99', 'Doing'],
  ]);
  assert.equal(items[2].task.title, '<img src=x onerror=window.__taskclockXss=1>');
  assert.deepEqual(items[0].task.project, BOARD);
  assert.ok(items.every((i) => i.anchor.getAttribute('data-testid') === 'card-name'));
  assert.equal(trello.avatarAnchor(document).element.getAttribute('data-testid'), 'header-member-menu-button');
  assert.equal(trello.darkMode(document), false);
});

test('missing anchor: the card from the URL, the title from the tab', () => {
  const { document, location } = loadFixture('trello', 'missing-anchor');
  const task = trello.detailTask(document, location);
  assert.equal(task.taskId, 'Zz99Yy88');
  assert.equal(task.title, 'Quarterly planning');
  assert.deepEqual(task.project, BOARD);
  assert.equal(trello.detailAnchor(document), null);
});

test('siteFor picks the adapter by host only', () => {
  assert.deepEqual(SITES.map((s) => s.name), ['asana', 'jira', 'trello']);
  assert.equal(siteFor(new URL('https://trello.com/b/AbCd1234/x')).name, 'trello');
  assert.equal(siteFor(new URL('https://acme.atlassian.net/browse/A-1')).name, 'jira');
  assert.equal(siteFor(new URL('https://app.asana.com/0/1/2')).name, 'asana');
  assert.equal(siteFor(new URL('https://trello.com.evil.example/c/Xy12Ab34')), null);
});

test('every adapter has the same shape and no browser API', async () => {
  const { readFile } = await import('node:fs/promises');
  for (const site of SITES) {
    for (const fn of ['urlTaskId', 'urlPattern', 'detailTask', 'detailAnchor', 'listItems', 'avatarAnchor', 'darkMode', 'matches']) {
      assert.equal(typeof site[fn], 'function', `${site.name}.${fn}`);
    }
    const source = await readFile(new URL(`../../../extension/sites/${site.name}.js`, import.meta.url), 'utf8');
    assert.doesNotMatch(source, /\b(chrome|browser)\.|innerHTML|^import /m, site.name);
  }
});
