// The users table: search as you type, filters by status, email verification and label
// (1.x queries, contract §12.3), order, cursor paging (§9.4), the usage chart, and the
// form that creates a user.
import { ApiError, api } from './api.ts';
import { busy, field, h, notify, replace, showError } from './dom.ts';
import { dateTime, statusLabel, type User, type UserList } from './model.ts';
import { Query, filterQueries, type UserFilters } from './queries.ts';
import { usageSection } from './usage-chart.ts';

const LIMIT = 25;
const SEARCH_DELAY_MS = 300;

interface Position {
  /** Index of the page's first user in the whole list. */
  first: number;
  cursor?: string;
  direction?: 'after' | 'before';
}

// Kept while the tab lives, so coming back from a user shows the same search, filters and page.
const state = {
  search: '',
  filters: { status: '', emailVerification: '', label: '' } as UserFilters,
  order: 'ASC' as 'ASC' | 'DESC',
  position: { first: 0 } as Position,
};

export function statusBadge(status: boolean): HTMLElement {
  return h('span', { class: `badge ${status ? 'active' : 'blocked'}` }, statusLabel(status));
}

function choice(name: string, current: string, options: Array<[string, string]>): HTMLSelectElement {
  return h('select', { name }, ...options.map(([value, text]) => h('option', { value, selected: value === current }, text)));
}

export function usersView(main: HTMLElement): void {
  const summary = h('p', { class: 'sum', 'aria-live': 'polite' });
  const search = h('input', { type: 'search', name: 'search', value: state.search, autocomplete: 'off', spellcheck: 'false', maxlength: 256 });
  const status = choice('status', state.filters.status, [
    ['', 'Any'],
    ['active', 'Active'],
    ['blocked', 'Blocked'],
  ]);
  const verification = choice('emailVerification', state.filters.emailVerification, [
    ['', 'Any'],
    ['verified', 'Verified'],
    ['unverified', 'Not verified'],
  ]);
  const label = h('input', { name: 'label', value: state.filters.label, autocomplete: 'off', spellcheck: 'false', maxlength: 36, size: 12 });
  const order = choice('order', state.order, [
    ['ASC', 'Oldest first'],
    ['DESC', 'Newest first'],
  ]);
  const rows = h('tbody');
  const previous = h('button', { type: 'button' }, '← Previous');
  const next = h('button', { type: 'button' }, 'Next →');
  const range = h('span', { class: 'range' });
  let page: User[] = [];
  let total = 0;
  let request = 0;

  const filtered = () => filterQueries(state.filters).length > 0;
  const emptyText = () => (filtered() ? 'No user matches these filters.' : state.search ? 'No user matches this search.' : 'No users yet.');

  async function load(position: Position): Promise<void> {
    const mine = ++request;
    const queries = [
      ...filterQueries(state.filters),
      state.order === 'ASC' ? Query.orderAsc('registration') : Query.orderDesc('registration'),
      Query.limit(LIMIT),
      ...(position.cursor ? [position.direction === 'before' ? Query.cursorBefore(position.cursor) : Query.cursorAfter(position.cursor)] : []),
    ];
    try {
      const list = await api<UserList>('GET', '/users', { query: { search: state.search, queries } });
      if (mine !== request) return; // an answer to an older search: a newer one is on its way
      page = list.users;
      total = list.total;
      state.position = { ...position, first: position.direction === 'before' ? Math.max(0, position.first - page.length) : position.first };
      render();
    } catch (err) {
      // The page's first or last user is gone (deleted meanwhile): start from the top.
      if (mine === request && position.cursor && err instanceof ApiError && err.type === 'general_cursor_not_found') return load({ first: 0 });
      if (mine === request) showError(err);
    }
  }

  function render(): void {
    const first = state.position.first;
    const count = `${total.toLocaleString('en')} ${total === 1 ? 'user' : 'users'}`;
    summary.textContent = state.search ? `${count} matching “${state.search}”` : filtered() ? `${count} match the filters` : count;
    range.textContent = page.length ? `${first + 1}–${first + page.length} of ${total.toLocaleString('en')}` : '';
    previous.disabled = first === 0;
    next.disabled = first + page.length >= total || page.length === 0;
    replace(
      rows,
      ...page.map((user) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/users/${encodeURIComponent(user.$id)}` }, user.name || '(no name)')),
          h('td', { class: 'email' }, user.email, user.email && user.phone ? h('br') : null, user.phone),
          h('td', { class: 'id' }, h('code', {}, user.$id)),
          h('td', { class: 'date' }, dateTime(user.registration)),
          h('td', { class: 'labels' }, ...labelBadges(user.labels)),
          h('td', {}, statusBadge(user.status)),
        ),
      ),
      page.length ? null : h('tr', {}, h('td', { colspan: 6, class: 'empty' }, emptyText())),
    );
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = (apply: () => void) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      apply();
      void load({ first: 0 });
    }, SEARCH_DELAY_MS);
  };
  search.addEventListener('input', () => later(() => (state.search = search.value.trim())));
  label.addEventListener('input', () => later(() => (state.filters.label = label.value.trim())));
  const now = (apply: () => void) => () => {
    apply();
    void load({ first: 0 });
  };
  status.addEventListener(
    'change',
    now(() => (state.filters.status = status.value as UserFilters['status'])),
  );
  verification.addEventListener(
    'change',
    now(() => (state.filters.emailVerification = verification.value as UserFilters['emailVerification'])),
  );
  order.addEventListener(
    'change',
    now(() => (state.order = order.value as 'ASC' | 'DESC')),
  );
  // busy() re-enables its button when done; render() then says whether there is a page that way.
  previous.addEventListener('click', () => busy(previous, () => load({ first: state.position.first, cursor: page[0]?.$id, direction: 'before' })).then(render));
  next.addEventListener('click', () =>
    busy(next, () => load({ first: state.position.first + page.length, cursor: page.at(-1)?.$id, direction: 'after' })).then(render),
  );

  const heading = h('h1', { tabindex: '-1' }, 'Users');
  replace(
    main,
    h('div', { class: 'title' }, heading, summary),
    usageSection(),
    h(
      'div',
      { class: 'toolbar', role: 'search' },
      field('Search name or email', search),
      field('Status', status),
      field('Email verification', verification),
      field('Label', label),
      field('Order', order),
    ),
    createForm(),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'users' },
        h('caption', { class: 'visually-hidden' }, 'Users'),
        h('thead', {}, h('tr', {}, ...['Name', 'Email / phone', 'ID', 'Registered', 'Labels', 'Status'].map((title) => h('th', { scope: 'col' }, title)))),
        rows,
      ),
    ),
    h('nav', { class: 'pager', 'aria-label': 'Pages' }, previous, range, next),
  );
  heading.focus();
  void load(state.position);
}

export function labelBadges(labels: string[]): HTMLElement[] {
  return labels.map((label) => h('span', { class: 'badge label' }, label));
}

function createForm(): HTMLElement {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'off' });
  const phone = h('input', { type: 'tel', name: 'phone', autocomplete: 'off', placeholder: '+14155550100' });
  const password = h('input', { type: 'password', name: 'password', minlength: 8, maxlength: 256, autocomplete: 'new-password' });
  const name = h('input', { name: 'name', maxlength: 128, autocomplete: 'off' });
  const submit = h('button', { type: 'submit' }, 'Create user');
  const form = h(
    'form',
    { class: 'inline-form' },
    field('Email', email),
    field('Phone (optional)', phone, 'E.164: + and up to 15 digits'),
    field('Password', password, '8 to 256 characters; without one, the user cannot sign in with a password'),
    field('Name (optional)', name),
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const optional = (input: HTMLInputElement) => input.value || undefined;
    void busy(submit, async () => {
      const body = { userId: 'unique()', email: optional(email), phone: optional(phone), password: optional(password), name: optional(name) };
      const user = await api<User>('POST', '/users', { body });
      notify(`Created ${user.email || user.phone || user.$id}.`);
      location.hash = `#/users/${encodeURIComponent(user.$id)}`;
    });
  });
  return h('details', { class: 'create' }, h('summary', {}, 'Create a user'), form);
}
