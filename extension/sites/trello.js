// Trello (https://trello.com). A card's short link (from /c/{shortLink}/…) is the task
// id and the board is the project. Trello marks its markup with data-testid attributes,
// which change far less often than its class names.

const SELECTORS = Object.freeze({
  cardBack: '[data-testid="card-back-name"]',
  cardBackTitle: '[data-testid="card-back-title-input"]',
  dialog: '[role="dialog"]',
  boardName: '[data-testid="board-name-display"]',
  boardHeader: '[data-testid="board-header"]',
  card: '[data-testid="trello-card"]',
  cardName: '[data-testid="card-name"]',
  list: '[data-testid="list"]',
  listName: '[data-testid="list-name"]',
  avatar: '[data-testid="header-member-menu-button"]',
});

const SHORT_LINK = /^[A-Za-z0-9]{8}$/;

function text(element) {
  if (!element) return '';
  const value = 'value' in element && typeof element.value === 'string' ? element.value : element.textContent;
  return (value || '').replace(/\s+/g, ' ').trim();
}

function pathId(pathname, kind) {
  const parts = pathname.split('/').filter(Boolean);
  return parts[0] === kind && SHORT_LINK.test(parts[1] || '') ? parts[1] : null;
}

function cardIdFromHref(href, base) {
  try {
    return pathId(new URL(href, base).pathname, 'c');
  } catch {
    return null;
  }
}

function urlTaskId(location) {
  return pathId(location.pathname, 'c');
}

function urlPattern(location) {
  if (pathId(location.pathname, 'c')) return 'trello:/c/:card';
  if (pathId(location.pathname, 'b')) return 'trello:/b/:board';
  return 'trello:/other';
}

function cardUrl(location, shortLink) {
  return `${location.origin || 'https://trello.com'}/c/${shortLink}`;
}

// The board behind the page: its short link from the URL or the board header's link,
// else its name (a card back opened over a board shows no board id of its own).
function board(document, location) {
  const name = text(document.querySelector(SELECTORS.boardName));
  let id = pathId(location.pathname, 'b');
  if (!id) {
    const link = document.querySelector(`${SELECTORS.boardHeader} a[href^="/b/"]`)
      || document.querySelector(SELECTORS.boardName)?.closest('a[href^="/b/"]');
    if (link) id = pathId(link.getAttribute('href'), 'b');
  }
  if (!id && !name) return null;
  return { id: id || name, name: name || id };
}

function detailTask(document, location) {
  const taskId = urlTaskId(location);
  if (!taskId) return null;
  const project = board(document, location);
  const title = text(document.querySelector(SELECTORS.cardBackTitle))
    || text(document.querySelector(SELECTORS.cardBack))
    || documentTitle(document);
  return {
    source: 'trello',
    taskId,
    title,
    url: cardUrl(location, taskId),
    project,
    projectCount: project ? 1 : 0,
    parentId: null,
    section: null,
  };
}

// "Card name | Board | Trello": the tab title, when the card back is not found.
function documentTitle(document) {
  return (document.title || '').split(' | ')[0].trim();
}

// Inside the card's dialog (next to the title): Trello's focus lock keeps focus inside
// that dialog, so a widget placed outside it could never hold focus.
function detailAnchor(document) {
  const name = document.querySelector(SELECTORS.cardBack);
  return name ? { element: name, position: 'afterend' } : null;
}

function listItems(document, location) {
  const project = board(document, location);
  const items = [];
  for (const card of document.querySelectorAll(SELECTORS.card)) {
    const name = card.querySelector(SELECTORS.cardName);
    const link = name?.closest('a[href]') || name?.querySelector('a[href]') || card.querySelector('a[href^="/c/"]');
    const taskId = link ? cardIdFromHref(link.getAttribute('href'), location.href) : null;
    if (!taskId || !name) continue;
    items.push({
      task: {
        source: 'trello',
        taskId,
        title: text(name),
        url: cardUrl(location, taskId),
        project,
        projectCount: project ? 1 : 0,
        parentId: null,
        section: text(card.closest(SELECTORS.list)?.querySelector(SELECTORS.listName)) || null,
      },
      anchor: name,
      position: 'afterend',
    });
  }
  return items;
}

function avatarAnchor(document) {
  const avatar = document.querySelector(SELECTORS.avatar);
  return avatar ? { element: avatar, position: 'beforebegin' } : null;
}

function darkMode(document) {
  return document.documentElement?.getAttribute('data-color-mode') === 'dark';
}

function matches(location) {
  return location.hostname === 'trello.com';
}

export default Object.freeze({
  name: 'trello',
  hosts: Object.freeze(['trello.com']),
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
