// A small DOM builder: the console builds every element with it, so no HTML string is
// ever parsed (no injection from user data) and no inline style or script exists.
import { SignedOut } from './api.ts';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, ...children);
  return element;
}

/** An SVG element (attributes only: the CSP allows no inline style, so looks come from classes). */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

let fields = 0;

/** A labelled input, with its hint (if any) as its description. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  input.id ||= `field-${++fields}`;
  const description = hint ? h('small', { id: `${input.id}-hint` }, hint) : null;
  if (description) input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), description.id].filter(Boolean).join(' '));
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, description);
}

let noticeTimer: ReturnType<typeof setTimeout> | undefined;

/** The page-wide message line: errors stay until the next message, successes fade after a while. */
export function notify(message: string, kind: 'ok' | 'error' = 'ok'): void {
  const notice = document.getElementById('notice')!;
  clearTimeout(noticeTimer);
  notice.className = kind;
  notice.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  notice.textContent = message;
  if (kind === 'ok') noticeTimer = setTimeout(() => (notice.textContent = ''), 6000);
}

/** Clears the message line; with `errorsOnly`, a success message (e.g. "Created …") stays into the next view. */
export function clearNotice(errorsOnly = false): void {
  const notice = document.getElementById('notice')!;
  if (errorsOnly && notice.className !== 'error') return;
  clearTimeout(noticeTimer);
  notice.textContent = '';
}

/** Runs a button's action with the button disabled meanwhile, and shows a failure's message. */
export async function busy(button: HTMLButtonElement, action: () => Promise<void>): Promise<void> {
  button.disabled = true;
  try {
    await action();
  } catch (err) {
    showError(err);
  } finally {
    button.disabled = false;
  }
}

/** Shows a failure in the API's words (an error that signed the operator out is on the key form). */
export function showError(err: unknown): void {
  if (err instanceof SignedOut) return;
  notify(err instanceof Error ? err.message : String(err), 'error');
}
