import { test } from 'node:test';
import assert from 'node:assert/strict';

import asana from '../../../extension/sites/asana.js';
import { loadFixture } from './fixture.js';

const PROJECT = { id: '1201000000000101', name: 'Website Relaunch' };

test('task pane: the task from the URL, its title and its one project', () => {
  const { document, location } = loadFixture('asana', 'task-pane');
  assert.equal(asana.urlTaskId(location), '1202000000000201');
  assert.equal(asana.urlPattern(location), 'asana:/0/:project/:task');
  assert.deepEqual(asana.detailTask(document, location), {
    source: 'asana',
    taskId: '1202000000000201',
    title: 'Write launch announcement',
    url: 'https://app.asana.com/0/0/1202000000000201',
    project: PROJECT,
    projectCount: 1,
    parentId: null,
    section: null,
  });
  const anchor = asana.detailAnchor(document);
  assert.ok(anchor.element.matches('.TaskPaneTitle'));
  assert.equal(anchor.position, 'afterend');
});

test('list rows: one item per row, with section, anchored after the name cell', () => {
  const { document, location } = loadFixture('asana', 'task-pane');
  const items = asana.listItems(document, location);
  assert.deepEqual(items.map((i) => i.task.taskId), ['1202000000000201', '1202000000000202', '1202000000000203']);
  assert.deepEqual(items.map((i) => i.task.section), ['To do', 'To do', 'Doing']);
  assert.ok(items.every((i) => i.anchor.matches('.SpreadsheetTaskName') && i.position === 'afterend'));
  assert.deepEqual(items[0].task.project, PROJECT);
});

test('a title with markup is returned as text', () => {
  const { document, location } = loadFixture('asana', 'task-pane');
  const row = asana.listItems(document, location)[2];
  assert.equal(row.task.title, '<img src=x onerror=window.__taskclockXss=1>');
});

test('board cards: ids from the card links, columns as sections; dark mode', () => {
  const { document, location } = loadFixture('asana', 'board');
  assert.equal(asana.urlTaskId(location), null);
  assert.equal(asana.detailTask(document, location), null);
  const items = asana.listItems(document, location);
  assert.deepEqual(items.map((i) => [i.task.taskId, i.task.section]), [
    ['1202000000000201', 'To do'], ['1202000000000202', 'To do'], ['1202000000000203', 'Doing'],
  ]);
  assert.ok(items.every((i) => i.anchor.matches('.BoardCard-taskName')));
  assert.equal(asana.darkMode(document), true);
  assert.equal(asana.darkMode(loadFixture('asana', 'task-pane').document), false);
});

test('subtask: the ?child= id, with its parent', () => {
  const { document, location } = loadFixture('asana', 'subtask');
  assert.equal(asana.urlTaskId(location), '1202000000000301');
  assert.equal(asana.urlPattern(location), 'asana:/0/:project/:task?child');
  const task = asana.detailTask(document, location);
  assert.equal(task.taskId, '1202000000000301');
  assert.equal(task.parentId, '1202000000000201');
  assert.equal(task.title, 'Collect quotes');
});

test('multi-project: the new URL form, every project pill counted', () => {
  const { document, location } = loadFixture('asana', 'multi-project');
  assert.equal(asana.urlPattern(location), 'asana:/1/:workspace/project/:project/task/:task');
  const task = asana.detailTask(document, location);
  assert.equal(task.taskId, '1202000000000220');
  assert.equal(task.projectCount, 2);
  assert.deepEqual(task.project, PROJECT);
});

test('no project: My Tasks, no pills; its rows are left alone', () => {
  const { document, location } = loadFixture('asana', 'no-project');
  const task = asana.detailTask(document, location);
  assert.equal(task.taskId, '1202000000000230');
  assert.equal(task.project, null);
  assert.equal(task.projectCount, 0);
  assert.deepEqual(asana.listItems(document, location), []);
});

test('missing anchor: the task is still read, the anchor is not found', () => {
  const { document, location } = loadFixture('asana', 'missing-anchor');
  const task = asana.detailTask(document, location);
  assert.equal(task.taskId, '1202000000000240');
  assert.equal(task.title, 'Plan retrospective');
  assert.deepEqual(task.project, PROJECT);
  assert.equal(asana.detailAnchor(document), null);
});

test('avatar: the badge goes beside the settings button, not inside it', () => {
  const { document } = loadFixture('asana', 'task-pane');
  const anchor = asana.avatarAnchor(document);
  assert.ok(anchor.element.matches('.TopbarPageHeaderGlobalActions-settingsMenuButton'));
  assert.equal(anchor.position, 'beforebegin');
});

test('URL shapes', () => {
  const at = (href) => new URL(href);
  assert.equal(asana.urlTaskId(at('https://app.asana.com/0/1201000000000101/1202000000000201/f')), '1202000000000201');
  assert.equal(asana.urlTaskId(at('https://app.asana.com/0/1201000000000101/list')), null);
  assert.equal(asana.urlTaskId(at('https://app.asana.com/1/1199000000000001/task/1202000000000201')), '1202000000000201');
  assert.equal(asana.urlTaskId(at('https://app.asana.com/0/home/1199000000000001')), null);
  assert.equal(asana.urlPattern(at('https://app.asana.com/0/1201000000000101/board')), 'asana:/0/:project/board');
  assert.equal(asana.matches(at('https://app.asana.com/0/1/2')), true);
  assert.equal(asana.matches(at('https://evil.example/app.asana.com')), false);
});
