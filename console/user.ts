// One user: profile, edits (contract §9.1), status, prefs, sessions, logs and deletion.
// Each section loads and fails on its own, so one error never blanks the page.
import { ApiError, api } from './api.ts';
import { busy, field, h, notify, replace, showError } from './dom.ts';
import { clientLabel, countryLabel, dateTime, deviceLabel, osLabel, type Device, type LogEntry, type Session, type User } from './model.ts';
import { statusBadge } from './users.ts';

const LOGS_PAGE = 25;
const BLOCKED = 2;
const ACTIVATED = 1;

type Prefs = Record<string, unknown>;

export function userView(main: HTMLElement, id: string): void {
  const path = `/users/${encodeURIComponent(id)}`;
  const heading = h('h1', { tabindex: '-1' }, 'User');
  const profile = h('dl', { class: 'profile' });
  const status = h('div', { class: 'actions' });
  const sessions = h('div', { class: 'scroll' });
  const logs = h('ol', { class: 'timeline' });
  const olderLogs = h('button', { type: 'button', hidden: true }, 'Show older entries');
  let user: User | undefined;
  let logCount = 0;

  function section(title: string, ...content: (Node | string)[]): HTMLElement {
    const headingId = `section-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
    return h('section', { class: 'card', 'aria-labelledby': headingId }, h('h2', { id: headingId }, title), ...content);
  }

  function showUser(next: User): void {
    user = next;
    heading.textContent = next.name || next.email;
    replace(
      profile,
      ...entry('ID', h('code', {}, next.$id)),
      ...entry('Email', next.email),
      ...entry('Name', next.name || '(none)'),
      ...entry('Registered', dateTime(next.registration)),
      ...entry('Email verification', next.emailVerification ? 'Verified' : 'Not verified'),
      ...entry('Status', statusBadge(next.status)),
    );
    const blocked = next.status === BLOCKED;
    const toggle = h('button', { type: 'button', class: blocked ? '' : 'danger' }, blocked ? 'Unblock (set Activated)' : 'Block');
    toggle.addEventListener('click', () =>
      busy(toggle, async () => {
        showUser(await api<User>('PATCH', `${path}/status`, { body: { status: blocked ? ACTIVATED : BLOCKED } }));
        notify(blocked ? `Unblocked ${next.email}.` : `Blocked ${next.email}; their sessions ended.`);
        await Promise.all([loadSessions(), loadLogs(true)]);
      }),
    );
    replace(status, h('p', {}, 'Now ', statusBadge(next.status), blocked ? '. A blocked user cannot sign in.' : `. Blocking ends every session and refuses sign-in.`), toggle);
    for (const fill of fillers) fill(next);
  }

  async function loadSessions(): Promise<void> {
    try {
      const list = await api<Session[]>('GET', `${path}/sessions`);
      replace(sessions, list.length ? sessionsTable(list) : h('p', {}, 'No active sessions.'));
    } catch (err) {
      replace(sessions, h('p', { class: 'error' }, (err as Error).message));
    }
  }

  function sessionsTable(list: Session[]): HTMLElement {
    const revokeAll = h('button', { type: 'button', class: 'danger' }, `Revoke all ${list.length} sessions`);
    revokeAll.addEventListener('click', () =>
      busy(revokeAll, async () => {
        await api('DELETE', `${path}/sessions`);
        notify('Every session of this user ended.');
        await Promise.all([loadSessions(), loadLogs(true)]);
      }),
    );
    return h(
      'div',
      {},
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ...['Device', 'Client', 'OS', 'Country', 'IP', ''].map((title) => h('th', { scope: 'col' }, title)))),
        h(
          'tbody',
          {},
          ...list.map((session) => {
            const revoke = h('button', { type: 'button', 'aria-label': `Revoke session ${session.$id}` }, 'Revoke');
            revoke.addEventListener('click', () =>
              busy(revoke, async () => {
                await api('DELETE', `${path}/sessions/${encodeURIComponent(session.$id)}`);
                notify('The session ended.');
                await Promise.all([loadSessions(), loadLogs(true)]);
              }),
            );
            return h(
              'tr',
              {},
              h('td', {}, deviceLabel(session)),
              h('td', {}, clientLabel(session.client)),
              h('td', {}, osLabel(session.OS)),
              h('td', {}, countryLabel(session.geo)),
              h('td', {}, h('code', {}, session.ip)),
              h('td', {}, revoke),
            );
          }),
        ),
      ),
      revokeAll,
    );
  }

  async function loadLogs(fromStart: boolean): Promise<void> {
    try {
      const entries = await api<LogEntry[]>('GET', `${path}/logs`, { query: { limit: LOGS_PAGE, offset: fromStart ? 0 : logCount } });
      if (fromStart) {
        replace(logs);
        logCount = 0;
      }
      logCount += entries.length;
      for (const log of entries) logs.appendChild(logItem(log));
      if (logCount === 0) logs.appendChild(h('li', {}, 'Nothing logged yet.'));
      olderLogs.hidden = entries.length < LOGS_PAGE;
    } catch (err) {
      showError(err);
    }
  }

  const fillers: Array<(user: User) => void> = [];
  const edits = h(
    'div',
    { class: 'edits' },
    editForm('Name', h('input', { name: 'name', maxlength: 100, autocomplete: 'off' }), (input, u) => (input.value = u.name), (input) => ['name', { name: input.value }]),
    editForm('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off' }), (input, u) => (input.value = u.email), (input) => ['email', { email: input.value }]),
    editForm(
      'New password',
      h('input', { name: 'password', type: 'password', required: true, minlength: 6, autocomplete: 'new-password' }),
      (input) => (input.value = ''),
      (input) => ['password', { password: input.value }],
      'Saving ends every session of the user.',
    ),
    editForm(
      'Email verified',
      h('input', { name: 'emailVerification', type: 'checkbox' }),
      (input, u) => (input.checked = u.emailVerification),
      (input) => ['verification', { emailVerification: input.checked }],
    ),
  );

  /** A one-field form that PATCHes /users/{id}/<route> and shows the user the API answers. */
  function editForm(label: string, input: HTMLInputElement, fill: (input: HTMLInputElement, user: User) => void, body: (input: HTMLInputElement) => [string, object], hint?: string): HTMLFormElement {
    const save = h('button', { type: 'submit' }, 'Save');
    const form = h('form', { class: 'edit' }, field(label, input, hint), save);
    fillers.push((u) => fill(input, u));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(save, async () => {
        const [route, payload] = body(input);
        showUser(await api<User>('PATCH', `${path}/${route}`, { body: payload }));
        notify(`Saved ${label.toLowerCase()}.`);
        await Promise.all(route === 'password' ? [loadSessions(), loadLogs(true)] : [loadLogs(true)]);
      });
    });
    return form;
  }

  const prefs = prefsEditor(path);
  olderLogs.addEventListener('click', () => busy(olderLogs, () => loadLogs(false)));
  replace(
    main,
    h('p', {}, h('a', { href: '#/users' }, '← All users')),
    heading,
    section('Profile', profile),
    section('Edit', edits),
    section('Status', status),
    section('Preferences', prefs.element),
    section('Sessions', sessions),
    section('Activity', logs, olderLogs),
    section('Delete', deleteForm(path, () => user)),
  );
  heading.focus();

  api<User>('GET', path).then(
    (u) => {
      showUser(u);
      void prefs.load();
      void loadSessions();
      void loadLogs(true);
    },
    (err: unknown) => {
      if (err instanceof ApiError && err.code === 404) {
        replace(main, h('h1', { tabindex: '-1' }, 'User not found'), h('p', {}, `No user has the id ${id} in this project. `, h('a', { href: '#/users' }, 'Back to all users')));
      }
      showError(err);
    },
  );
}

function entry(term: string, value: Node | string): [HTMLElement, HTMLElement] {
  return [h('dt', {}, term), h('dd', {}, value)];
}

function logItem(log: LogEntry): HTMLElement {
  return h(
    'li',
    {},
    h('time', { datetime: new Date(log.time * 1000).toISOString() }, dateTime(log.time)),
    h('strong', { class: 'event' }, log.event),
    h('span', { class: 'detail' }, deviceDetail(log)),
  );
}

function deviceDetail(device: Device): string {
  return [clientLabel(device.client), osLabel(device.OS), deviceLabel(device), countryLabel(device.geo), device.ip].join(' · ');
}

/** Prefs as formatted JSON, and an editor whose text must parse as a JSON object before it can be saved. */
function prefsEditor(path: string): { element: HTMLElement; load: () => Promise<void> } {
  const stored = h('pre', { class: 'json', tabindex: '0', 'aria-label': 'Stored preferences' });
  const editor = h('textarea', { name: 'prefs', rows: 8, spellcheck: 'false', 'aria-describedby': 'prefs-problem' });
  const problem = h('p', { id: 'prefs-problem', class: 'error', 'aria-live': 'polite' });
  const save = h('button', { type: 'submit' }, 'Merge into prefs');
  const show = (prefs: Prefs) => {
    stored.textContent = JSON.stringify(prefs, null, 2);
    editor.value = stored.textContent;
    validate();
  };
  const validate = (): Prefs | undefined => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(editor.value);
    } catch (err) {
      return invalid(`Not valid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return invalid('Prefs must be a JSON object, like {"theme": "dark"}.');
    problem.textContent = '';
    editor.removeAttribute('aria-invalid');
    save.disabled = false;
    return parsed as Prefs;
  };
  const invalid = (message: string): undefined => {
    problem.textContent = message;
    editor.setAttribute('aria-invalid', 'true');
    save.disabled = true;
    return undefined;
  };
  editor.addEventListener('input', () => void validate());
  const form = h(
    'form',
    {},
    field('Edit (JSON object)', editor),
    problem,
    h('p', { class: 'hint' }, 'Saving is a shallow merge, as the API does it: the top-level keys you send replace the stored ones, keys you leave out stay as they are (removing a key here does not delete it).'),
    save,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const prefs = validate();
    if (!prefs) return;
    void busy(save, async () => {
      show(await api<Prefs>('PATCH', `${path}/prefs`, { body: { prefs } }));
      notify('Preferences saved.');
    });
  });
  return {
    element: h('div', {}, h('h3', {}, 'Stored'), stored, form),
    load: async () => {
      try {
        show(await api<Prefs>('GET', `${path}/prefs`));
      } catch (err) {
        showError(err);
      }
    },
  };
}

function deleteForm(path: string, current: () => User | undefined): HTMLElement {
  const confirmation = h('input', { name: 'confirm', autocomplete: 'off', spellcheck: 'false' });
  const remove = h('button', { type: 'submit', class: 'danger', disabled: true }, 'Delete this user');
  confirmation.addEventListener('input', () => {
    const user = current();
    remove.disabled = !user || (confirmation.value !== user.email && confirmation.value !== user.$id);
  });
  const form = h(
    'form',
    {},
    h('p', {}, 'Deleting erases the user, their preferences, sessions and activity log; it cannot be undone.'),
    field('Type the user’s email or ID to confirm', confirmation),
    remove,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const user = current();
    if (remove.disabled || !user) return;
    void busy(remove, async () => {
      await api('DELETE', path);
      notify(`Deleted ${user.email}.`);
      location.hash = '#/users';
    });
  });
  return form;
}

