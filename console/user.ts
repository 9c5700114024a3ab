// One user: profile, edits (contract §9.1, §12.3), status, prefs, sessions, support access
// (§12.4), logs and deletion. Each section loads and fails on its own, so one error never
// blanks the page.
import { ApiError, api } from './api.ts';
import { busy, h, notify, replace, showError } from './dom.ts';
import { dateTime, type User } from './model.ts';
import { activitySection } from './user-activity.ts';
import { deleteForm } from './user-delete.ts';
import { editsSection } from './user-edits.ts';
import { prefsEditor } from './user-prefs.ts';
import { secretsSection } from './user-secrets.ts';
import { sessionsSection } from './user-sessions.ts';
import { labelBadges, statusBadge } from './users.ts';

export function userView(main: HTMLElement, id: string): void {
  const path = `/users/${encodeURIComponent(id)}`;
  const heading = h('h1', { tabindex: '-1' }, 'User');
  const profile = h('dl', { class: 'profile' });
  const status = h('div', { class: 'actions' });
  const activity = activitySection(path);
  const secrets = secretsSection(path, () => Promise.all([sessions.load(), activity.load(true)]));
  const sessions = sessionsSection(path, { ended: () => activity.load(true), listed: secrets.offer });
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
    const who = next.email || next.phone || next.$id;
    heading.textContent = next.name || who;
    replace(
      profile,
      ...entry('ID', h('code', {}, next.$id)),
      ...entry('Email', next.email || '(none)'),
      ...entry('Phone', next.phone || '(none)'),
      ...entry('Name', next.name || '(none)'),
      ...entry('Labels', next.labels.length ? h('span', { class: 'labels' }, ...labelBadges(next.labels)) : '(none)'),
      ...entry('Registered', dateTime(next.registration)),
      ...entry('Last access', dateTime(next.accessedAt)),
      ...entry('Password set', dateTime(next.passwordUpdate)),
      ...entry('Email verification', next.emailVerification ? 'Verified' : 'Not verified'),
      ...entry('Phone verification', next.phoneVerification ? 'Verified' : 'Not verified'),
      ...entry('Status', statusBadge(next.status)),
    );
    const blocked = !next.status;
    const toggle = h('button', { type: 'button', class: blocked ? '' : 'danger' }, blocked ? 'Unblock' : 'Block');
    toggle.addEventListener('click', () =>
      busy(toggle, async () => {
        showUser(await api<User>('PATCH', `${path}/status`, { body: { status: blocked } }));
        notify(blocked ? `Unblocked ${who}.` : `Blocked ${who}; their sessions ended.`);
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
    section('Support access', ...secrets.elements),
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
