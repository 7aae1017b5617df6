// Where widgets sit on the page, and keeping them there: a site re-rendering its DOM
// can drop our element or leave it detached; `ensurePlaced` puts it back, and the
// neighbour check keeps one widget per task per place.

const NEIGHBOUR = {
  beforebegin: (anchor) => anchor.previousElementSibling,
  afterend: (anchor) => anchor.nextElementSibling,
  afterbegin: (anchor) => anchor.firstElementChild,
  beforeend: (anchor) => anchor.lastElementChild,
};

export const POSITIONS = Object.freeze(Object.keys(NEIGHBOUR));

/** The element already sitting where `position` of `anchor` would put a widget. */
export function occupant(anchor, position) {
  return (NEIGHBOUR[position] ?? NEIGHBOUR.afterend)(anchor);
}

/**
 * Put `element` at `position` of `anchor` unless it is there already. Another of our
 * widgets (same tag) sitting in that place for the same key is removed first, so a
 * re-render never leaves two.
 */
export function ensurePlaced(element, anchor, position, sameKind) {
  const current = occupant(anchor, position);
  if (current === element) return false;
  if (current && current !== element && sameKind(current)) current.remove();
  anchor.insertAdjacentElement(POSITIONS.includes(position) ? position : 'afterend', element);
  return true;
}

/** Float `element` at the end of body (CSS places it in a corner). */
export function ensureFloating(element, doc) {
  if (element.parentNode === doc.body && element.getAttribute('data-placement') === 'floating') return false;
  element.setAttribute('data-placement', 'floating');
  doc.body.append(element);
  return true;
}
