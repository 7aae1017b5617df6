// Jira Cloud (https://{site}.atlassian.net) and, where cheap, Jira Server. The issue key
// from the URL is the task id; its prefix is the project key, so the project id never
// depends on markup. data-testid attributes find the rest.

const SELECTORS = Object.freeze({
  header: '#jira-issue-header',
  summary: ['h1[data-testid="issue.views.issue-base.foundation.summary.heading"]', '#summary-val'],
  currentIssue: '[data-testid="issue.views.issue-base.foundation.breadcrumbs.breadcrumb-current-issue-container"] a',
  currentIssueContainer: '[data-testid="issue.views.issue-base.foundation.breadcrumbs.breadcrumb-current-issue-container"]',
  statusActions: '[data-testid="issue.views.issue-base.foundation.status.actions-wrapper"]',
  modal: '[role="dialog"]',
  boardProjectName: '[data-testid="rapidboard-breadcrumbs"] a[href*="browse"] span',
  serverKey: '#key-val',
  card: '[data-testid="platform-board-kit.ui.card.card"]',
  cardKey: '[data-testid="platform-card.common.ui.key.key"]',
  cardSummary: '[data-testid="platform-card.ui.card.card-content.summary"]',
  column: '[data-testid="platform-board-kit.ui.column.draggable-column"]',
  columnName: '[data-testid="platform-board-kit.common.ui.column-header.header.column-header-container"] h2',
  avatar: ['[data-testid="atlassian-navigation--secondary-actions--profile--trigger"]', '#header-details-user-fullname'],
});

const KEY = /^([A-Z][A-Z0-9_]*)-(\d+)$/;

function first(root, selectors) {
  for (const selector of [].concat(selectors)) {
    const found = root.querySelector(selector);
    if (found) return found;
  }
  return null;
}

function text(element) {
  return (element?.textContent || '').replace(/\s+/g, ' ').trim();
}

function keyFromPath(pathname) {
  const parts = pathname.split('/').filter(Boolean);
  for (const [i, part] of parts.entries()) {
    if ((parts[i - 1] === 'browse' || parts[i - 1] === 'issues') && KEY.test(part)) return part;
  }
  return null;
}

function keyFromHref(href, base) {
  try {
    const url = new URL(href, base);
    return url.searchParams.get('selectedIssue') || keyFromPath(url.pathname);
  } catch {
    return null;
  }
}

function urlTaskId(location) {
  const selected = new URLSearchParams(location.search || '').get('selectedIssue');
  if (selected && KEY.test(selected)) return selected;
  return keyFromPath(location.pathname);
}

function urlPattern(location) {
  const selected = new URLSearchParams(location.search || '').get('selectedIssue');
  const path = location.pathname;
  let shape = '/other';
  if (/\/browse\/[^/]+/.test(path)) shape = '/browse/:key';
  else if (/\/boards\/\d+/.test(path)) shape = '/projects/:project/boards/:board';
  else if (/\/issues(\/|$)/.test(path)) shape = '/projects/:project/issues';
  return `jira:${shape}${selected ? '?selectedIssue' : ''}`;
}

function projectKey(issueKey) {
  return KEY.exec(issueKey || '')?.[1] || null;
}

// The project's name: its breadcrumb (found by the project key in its link), else the
// board's breadcrumbs, else the key itself.
function projectName(document, key) {
  for (const link of document.querySelectorAll('a[href]')) {
    const href = link.getAttribute('href');
    if (href.endsWith(`/browse/${key}`) || href.includes(`/projects/${key}/`) || href.endsWith(`/projects/${key}`)) {
      const name = text(link);
      if (name && name !== key) return name;
    }
  }
  return text(document.querySelector(SELECTORS.boardProjectName)) || key;
}

// Where the open issue is drawn: the board's modal when one holds it, else the page.
function detailRoot(document) {
  for (const dialog of document.querySelectorAll(SELECTORS.modal)) {
    if (first(dialog, SELECTORS.summary)) return dialog;
  }
  return document;
}

function issueUrl(location, key) {
  return `${location.origin || ''}/browse/${key}`;
}

function detailTask(document, location) {
  const taskId = urlTaskId(location);
  if (!taskId) return null;
  const root = detailRoot(document);
  const key = projectKey(taskId);
  const title = text(first(root, SELECTORS.summary)) || documentTitle(document, taskId);
  return {
    source: 'jira',
    taskId,
    title,
    url: issueUrl(location, taskId),
    project: key ? { id: key, name: projectName(document, key) } : null,
    projectCount: key ? 1 : 0,
    parentId: null,
    section: text(root.querySelector(SELECTORS.statusActions)) || null,
  };
}

// "[ACME-101] Summary - Jira": the tab title, when the summary heading is not found.
function documentTitle(document, key) {
  const title = document.title || '';
  const prefix = `[${key}]`;
  return title.startsWith(prefix) ? title.slice(prefix.length).replace(/\s+-\s+Jira\s*$/, '').trim() : '';
}

function detailAnchor(document) {
  const root = detailRoot(document);
  const summary = first(root, SELECTORS.summary);
  if (summary) return { element: summary, position: 'afterend' };
  const current = root.querySelector(SELECTORS.currentIssueContainer);
  if (current) return { element: current, position: 'beforeend' };
  return null;
}

function listItems(document, location) {
  const items = [];
  for (const card of document.querySelectorAll(SELECTORS.card)) {
    const link = card.querySelector('a[href*="/browse/"]');
    const keyText = text(card.querySelector(SELECTORS.cardKey));
    const taskId = KEY.test(keyText) ? keyText : (link ? keyFromHref(link.getAttribute('href'), location.href) : null);
    const summary = card.querySelector(SELECTORS.cardSummary);
    if (!taskId || !summary) continue;
    const key = projectKey(taskId);
    items.push({
      task: {
        source: 'jira',
        taskId,
        title: text(summary),
        url: issueUrl(location, taskId),
        project: { id: key, name: projectName(document, key) },
        projectCount: 1,
        parentId: null,
        section: text(card.closest(SELECTORS.column)?.querySelector(SELECTORS.columnName)) || null,
      },
      anchor: summary,
      position: 'afterend',
    });
  }
  return items;
}

function avatarAnchor(document) {
  const avatar = first(document, SELECTORS.avatar);
  return avatar ? { element: avatar, position: 'beforebegin' } : null;
}

function darkMode(document) {
  return document.documentElement?.getAttribute('data-color-mode') === 'dark';
}

function matches(location) {
  return location.hostname.endsWith('.atlassian.net');
}

export default Object.freeze({
  name: 'jira',
  hosts: Object.freeze(['*.atlassian.net']),
  selectors: SELECTORS,
  matches,
  urlTaskId,
  urlPattern,
  detailTask,
  detailAnchor,
  listItems,
  avatarAnchor,
  darkMode,
});
