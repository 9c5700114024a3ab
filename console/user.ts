// One user: profile, edits (contract §9.1), status, prefs, sessions, logs and deletion.
// Each section loads and fails on its own, so one error never blanks the page.
import { ApiError, api } from './api.ts';
import { busy, h, notify, replace, showError } from './dom.ts';
import { dateTime, type User } from './model.ts';
import { activitySection } from './user-activity.ts';
import { deleteForm } from './user-delete.ts';
import { editsSection } from './user-edits.ts';
import { prefsEditor } from './user-prefs.ts';
import { sessionsSection } from './user-sessions.ts';
import { statusBadge } from './users.ts';

const BLOCKED = 2;
const ACTIVATED = 1;

export function userView(main: HTMLElement, id: string): void {
  const path = `/users/${encodeURIComponent(id)}`;
  const heading = h('h1', { tabindex: '-1' }, 'User');
  const profile = h('dl', { class: 'profile' });
  const status = h('div', { class: 'actions' });
  const activity = activitySection(path);
  const sessions = sessionsSection(path, () => activity.load(true));
  const edits = editsSection(path, {
    saved: showUser,
    after: (route) => Promise.all(route === 'password' ? [sessions.load(), activity.load(true)] : [activity.load(true)]),
  });
  const prefs = prefsEditor(path);
  let user: User | undefined;

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
        await Promise.all([sessions.load(), activity.load(true)]);
      }),
    );
    replace(
      status,
      h('p', {}, 'Now ', statusBadge(next.status), blocked ? '. A blocked user cannot sign in.' : `. Blocking ends every session and refuses sign-in.`),
      toggle,
    );
    edits.fill(next);
  }

  replace(
    main,
    h('p', {}, h('a', { href: '#/users' }, '← All users')),
    heading,
    section('Profile', profile),
    section('Edit', edits.element),
    section('Status', status),
    section('Preferences', prefs.element),
    section('Sessions', sessions.element),
    section('Activity', ...activity.elements),
    section(
      'Delete',
      deleteForm(path, () => user),
    ),
  );
  heading.focus();

  api<User>('GET', path).then(
    (u) => {
      showUser(u);
      void prefs.load();
      void sessions.load();
      void activity.load(true);
    },
    (err: unknown) => {
      if (err instanceof ApiError && err.code === 404) {
        replace(
          main,
          h('h1', { tabindex: '-1' }, 'User not found'),
          h('p', {}, `No user has the id ${id} in this project. `, h('a', { href: '#/users' }, 'Back to all users')),
        );
      }
      showError(err);
    },
  );
}

function entry(term: string, value: Node | string): [HTMLElement, HTMLElement] {
  return [h('dt', {}, term), h('dd', {}, value)];
}
