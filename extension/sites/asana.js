// Asana (https://app.asana.com). Turns the page into plain task data and says where
// widgets go. Ids come from the URL first, then from links and data attributes; the
// generated class names below are the last resort and the first thing Asana renames,
// which is why they all live in this one table.

const SELECTORS = Object.freeze({
  pane: '.TaskPane',
  title: ['.TaskPaneTitle textarea', '[role="heading"] textarea', '.TitleInput textarea'],
  titleAnchor: ['.TaskPaneTitle', '.TitleInput'],
  toolbar: '.TaskPaneToolbarAnimation-row',
  extraActions: '.TaskPaneExtraActionsButton',
  projectPill: '.TaskProjectTokenPill-name',
  projectPillLink: '.TaskProjectTokenPill a[href]',
  parentLink: '.TaskAncestry a.TaskAncestryBreadcrumb-navigationLink',
  projectHeader: '.ProjectPageHeader-projectName',
  myTasks: '.MyTasksPage',
  row: '.SpreadsheetRow',
  rowName: '.SpreadsheetTaskName',
  rowTitle: '.SpreadsheetTaskName textarea',
  rowSection: '.SpreadsheetGridSection',
  sectionName: '.SectionRow-sectionName',
  card: '.BoardCardLayout',
  cardName: '.BoardCard-taskName',
  cardColumn: '.BoardColumn',
  columnName: '.BoardColumnHeaderTitle',
  avatar: ['.TopbarPageHeaderGlobalActions-settingsMenuButton', '.TopbarPageHeaderGlobalActions .AvatarPhoto'],
  darkBody: 'DesignTokenThemeSelectors-theme--darkMode',
});

const ID = /^\d{6,}$/;

function first(root, selectors) {
  for (const selector of [].concat(selectors)) {
    const found = root.querySelector(selector);
    if (found) return found;
  }
  return null;
}

function text(element) {
  if (!element) return '';
  const value = 'value' in element && typeof element.value === 'string' ? element.value : element.textContent;
  return (value || '').replace(/\s+/g, ' ').trim();
}

// The URL shapes: /0/{project}/{task}, /0/{project}/{task}/f, /1/{ws}/project/{p}/task/{t},
// /1/{ws}/task/{t}, and ?child={subtask} on any of them.
function parsePath(pathname) {
  const parts = pathname.split('/').filter(Boolean);
  // /0/home/…, /0/inbox/…, /0/search/…: not a list that holds a task.
  if (parts[0] === '0' && parts.length >= 3 && ID.test(parts[1]) && ID.test(parts[2])) {
    return { project: parts[1], task: parts[2], pattern: '/0/:project/:task' };
  }
  if (parts[0] === '0' && parts.length >= 2 && ID.test(parts[1])) {
    return { project: parts[1], task: null, pattern: parts[2] ? `/0/:project/${parts[2]}` : '/0/:project' };
  }
  if (parts[0] === '1') {
    const projectAt = parts.indexOf('project');
    const taskAt = parts.indexOf('task');
    const project = projectAt > 0 && ID.test(parts[projectAt + 1] || '') ? parts[projectAt + 1] : null;
    const task = taskAt > 0 && ID.test(parts[taskAt + 1] || '') ? parts[taskAt + 1] : null;
    const pattern = task ? (project ? '/1/:workspace/project/:project/task/:task' : '/1/:workspace/task/:task')
      : (project ? '/1/:workspace/project/:project' : '/1/other');
    return { project, task, pattern };
  }
  return { project: null, task: null, pattern: '/other' };
}

function childId(location) {
  const child = new URLSearchParams(location.search || '').get('child');
  return child && ID.test(child) ? child : null;
}

function taskIdFromHref(href, base) {
  try {
    const url = new URL(href, base);
    return childId(url) || parsePath(url.pathname).task;
  } catch {
    return null;
  }
}

function projectIdFromHref(href, base) {
  try {
    return parsePath(new URL(href, base).pathname).project;
  } catch {
    return null;
  }
}

function urlTaskId(location) {
  return childId(location) || parsePath(location.pathname).task;
}

function urlPattern(location) {
  return `asana:${parsePath(location.pathname).pattern}${childId(location) ? '?child' : ''}`;
}

function taskUrl(location, taskId) {
  return `${location.origin || 'https://app.asana.com'}/0/0/${taskId}`;
}

// The project the page itself is about (a project list or board), if any.
function pageProject(document, location) {
  if (document.querySelector(SELECTORS.myTasks)) return null;
  const id = parsePath(location.pathname).project;
  if (!id) return null;
  const name = text(document.querySelector(SELECTORS.projectHeader));
  return { id, name: name || id };
}

function paneProjects(pane, location) {
  const pills = [...pane.querySelectorAll(SELECTORS.projectPill)];
  return pills.map((pill) => {
    const link = pill.closest('a[href]') || pill.parentElement?.querySelector('a[href]');
    const id = link ? projectIdFromHref(link.getAttribute('href'), location.href) : null;
    return { id: id || text(pill), name: text(pill) };
  });
}

// A task whenever the URL names one: from the pane when it is there, from the page
// around it when Asana renamed the pane (the floating timer still needs its data).
function detailTask(document, location) {
  const taskId = urlTaskId(location);
  if (!taskId) return null;
  const pane = document.querySelector(SELECTORS.pane);
  const projects = pane ? paneProjects(pane, location) : [];
  const fromPage = pane ? null : pageProject(document, location);
  const parent = pane?.querySelector(SELECTORS.parentLink);
  let parentId = parent ? taskIdFromHref(parent.getAttribute('href'), location.href) : null;
  // A ?child= URL names the parent task in its path even before the breadcrumb renders.
  if (!parentId && childId(location)) parentId = parsePath(location.pathname).task;
  if (parentId === taskId) parentId = null;
  const title = text(pane && first(pane, SELECTORS.title)) || documentTitle(document);
  return {
    source: 'asana',
    taskId,
    title,
    url: taskUrl(location, taskId),
    project: projects[0] || fromPage,
    projectCount: pane ? projects.length : (fromPage ? 1 : 0),
    parentId,
    section: null,
  };
}

// "Task name - Project - Asana": the tab title, when nothing better is on the page.
function documentTitle(document) {
  return (document.title || '').replace(/\s+-\s+Asana\s*$/, '').split(' - ')[0].trim();
}

function detailAnchor(document) {
  const pane = document.querySelector(SELECTORS.pane);
  if (!pane) return null;
  const title = first(pane, SELECTORS.titleAnchor);
  if (title) return { element: title, position: 'afterend' };
  const toolbar = pane.querySelector(SELECTORS.toolbar);
  if (toolbar) return { element: toolbar, position: 'beforeend' };
  return null;
}

function itemId(item, location) {
  const own = item.getAttribute('data-task-id');
  if (own && ID.test(own)) return own;
  for (const link of item.querySelectorAll('a[href]')) {
    const id = taskIdFromHref(link.getAttribute('href'), location.href);
    if (id) return id;
  }
  return null;
}

function listItem(item, nameElement, titleElement, section, project, location) {
  const taskId = itemId(item, location);
  if (!taskId || !nameElement) return null;
  return {
    task: {
      source: 'asana',
      taskId,
      title: text(titleElement || nameElement),
      url: taskUrl(location, taskId),
      project,
      projectCount: project ? 1 : 0,
      parentId: null,
      section: section || null,
    },
    anchor: nameElement,
    position: 'afterend',
  };
}

function listItems(document, location) {
  const project = pageProject(document, location);
  // My Tasks rows belong to many projects the row does not name: leave them alone
  // rather than report them as project-less.
  if (!project) return [];
  const items = [];
  for (const row of document.querySelectorAll(SELECTORS.row)) {
    const section = text(row.closest(SELECTORS.rowSection)?.querySelector(SELECTORS.sectionName));
    items.push(listItem(row, row.querySelector(SELECTORS.rowName), row.querySelector(SELECTORS.rowTitle), section, project, location));
  }
  for (const card of document.querySelectorAll(SELECTORS.card)) {
    const section = text(card.closest(SELECTORS.cardColumn)?.querySelector(SELECTORS.columnName));
    items.push(listItem(card, card.querySelector(SELECTORS.cardName), null, section, project, location));
  }
  return items.filter(Boolean);
}

function avatarAnchor(document) {
  const avatar = first(document, SELECTORS.avatar);
  if (!avatar) return null;
  // Beside the site's own menu button, never inside it: a click on the badge must not
  // open Asana's menu, and a click on the avatar must not toggle attendance.
  const trigger = avatar.closest('button, a, [role="button"]') || avatar;
  return { element: trigger, position: 'beforebegin' };
}

function darkMode(document) {
  return Boolean(document.body?.classList.contains(SELECTORS.darkBody));
}

function matches(location) {
  return location.hostname === 'app.asana.com';
}

export default Object.freeze({
  name: 'asana',
  hosts: Object.freeze(['app.asana.com']),
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
