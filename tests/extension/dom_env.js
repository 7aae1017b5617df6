// A jsdom window for widget and runtime tests.
import { JSDOM } from 'jsdom';

export function makeDocument(html = '<!doctype html><html><body></body></html>', url = 'https://app.asana.com/') {
  const dom = new JSDOM(html, { url, pretendToBeVisual: true });
  return { window: dom.window, document: dom.window.document };
}

export const shadow = (element) => element.shadowRoot;
export const inShadow = (element, selector) => element.shadowRoot.querySelector(selector);
export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
