// The users table: search as you type, order, cursor paging (contract §4, §9.4), and
// the form that creates a user.
import { ApiError, api } from './api.ts';
import { busy, field, h, notify, replace, showError } from './dom.ts';
import { STATUS, dateTime, type User, type UserList } from './model.ts';

const LIMIT = 25;
const SEARCH_DELAY_MS = 300;

interface Position {
  /** Index of the page's first user in the whole list. */
  first: number;
  cursor?: string;
  direction?: 'after' | 'before';
}

// Kept while the tab lives, so coming back from a user shows the same search and page.
const state = { search: '', order: 'ASC' as 'ASC' | 'DESC', position: { first: 0 } as Position };

export function statusBadge(status: number): HTMLElement {
  return h('span', { class: `badge status-${status}` }, STATUS[status] ?? `Status ${status}`);
}

export function usersView(main: HTMLElement): void {
  const summary = h('p', { class: 'sum', 'aria-live': 'polite' });
  const search = h('input', { type: 'search', name: 'search', value: state.search, autocomplete: 'off', spellcheck: 'false', maxlength: 256 });
  const order = h(
    'select',
    { name: 'order' },
    h('option', { value: 'ASC', selected: state.order === 'ASC' }, 'Oldest first'),
    h('option', { value: 'DESC', selected: state.order === 'DESC' }, 'Newest first'),
  );
  const rows = h('tbody');
  const previous = h('button', { type: 'button' }, '← Previous');
  const next = h('button', { type: 'button' }, 'Next →');
  const range = h('span', { class: 'range' });
  let page: User[] = [];
  let sum = 0;
  let request = 0;

  async function load(position: Position): Promise<void> {
    const mine = ++request;
    const query = { search: state.search, orderType: state.order, limit: LIMIT, cursor: position.cursor, cursorDirection: position.direction };
    try {
      const list = await api<UserList>('GET', '/users', { query });
      if (mine !== request) return; // an answer to an older search: a newer one is on its way
      page = list.users;
      sum = list.sum;
      state.position = { ...position, first: position.direction === 'before' ? Math.max(0, position.first - page.length) : position.first };
      render();
    } catch (err) {
      // The page's first or last user is gone (deleted meanwhile): start from the top.
      if (mine === request && position.cursor && err instanceof ApiError && err.message === 'Invalid cursor: User not found') return load({ first: 0 });
      if (mine === request) showError(err);
    }
  }

  function render(): void {
    const first = state.position.first;
    summary.textContent = `${sum.toLocaleString('en')} ${sum === 1 ? 'user' : 'users'}${state.search ? ` matching “${state.search}”` : ''}`;
    range.textContent = page.length ? `${first + 1}–${first + page.length} of ${sum.toLocaleString('en')}` : '';
    previous.disabled = first === 0;
    next.disabled = first + page.length >= sum || page.length === 0;
    replace(
      rows,
      ...page.map((user) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/users/${encodeURIComponent(user.$id)}` }, user.name || '(no name)')),
          h('td', { class: 'email' }, user.email),
          h('td', { class: 'id' }, h('code', {}, user.$id)),
          h('td', { class: 'date' }, dateTime(user.registration)),
          h('td', {}, statusBadge(user.status)),
        ),
      ),
      page.length ? null : h('tr', {}, h('td', { colspan: 5, class: 'empty' }, state.search ? 'No user matches this search.' : 'No users yet.')),
    );
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.search = search.value.trim();
      void load({ first: 0 });
    }, SEARCH_DELAY_MS);
  });
  order.addEventListener('change', () => {
    state.order = order.value as 'ASC' | 'DESC';
    void load({ first: 0 });
  });
  // busy() re-enables its button when done; render() then says whether there is a page that way.
  previous.addEventListener('click', () => busy(previous, () => load({ first: state.position.first, cursor: page[0]?.$id, direction: 'before' })).then(render));
  next.addEventListener('click', () =>
    busy(next, () => load({ first: state.position.first + page.length, cursor: page.at(-1)?.$id, direction: 'after' })).then(render),
  );

  const heading = h('h1', { tabindex: '-1' }, 'Users');
  replace(
    main,
    h('div', { class: 'title' }, heading, summary),
    h('div', { class: 'toolbar', role: 'search' }, field('Search name or email', search), field('Order', order)),
    createForm(),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'users' },
        h('caption', { class: 'visually-hidden' }, 'Users'),
        h('thead', {}, h('tr', {}, ...['Name', 'Email', 'ID', 'Registered', 'Status'].map((title) => h('th', { scope: 'col' }, title)))),
        rows,
      ),
    ),
    h('nav', { class: 'pager', 'aria-label': 'Pages' }, previous, range, next),
  );
  heading.focus();
  void load(state.position);
}

function createForm(): HTMLElement {
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' });
  const password = h('input', { type: 'password', name: 'password', required: true, minlength: 6, autocomplete: 'new-password' });
  const name = h('input', { name: 'name', maxlength: 100, autocomplete: 'off' });
  const submit = h('button', { type: 'submit' }, 'Create user');
  const form = h(
    'form',
    { class: 'inline-form' },
    field('Email', email),
    field('Password', password, '6 to 32 characters'),
    field('Name (optional)', name),
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      const user = await api<User>('POST', '/users', { body: { email: email.value, password: password.value, name: name.value } });
      notify(`Created ${user.email}.`);
      location.hash = `#/users/${encodeURIComponent(user.$id)}`;
    });
  });
  return h('details', { class: 'create' }, h('summary', {}, 'Create a user'), form);
}
