// A user's live sessions, each revocable, and "revoke all" (contract §4, §12.3).
import { api } from './api.ts';
import { busy, h, notify, replace } from './dom.ts';
import { clientLabel, countryLabel, dateTime, deviceLabel, osLabel, type Session, type SessionList } from './model.ts';

export interface SessionHooks {
  /** Runs after a revocation (the activity log has a new entry). */
  ended: () => Promise<void>;
  /** Gets every (re)loaded list. */
  listed: (sessions: Session[]) => void;
}

export function sessionsSection(path: string, hooks: SessionHooks): { element: HTMLElement; load: () => Promise<void> } {
  const element = h('div', { class: 'scroll' });

  async function load(): Promise<void> {
    try {
      const { sessions } = await api<SessionList>('GET', `${path}/sessions`);
      hooks.listed(sessions);
      replace(element, sessions.length ? sessionsTable(sessions) : h('p', {}, 'No active sessions.'));
    } catch (err) {
      replace(element, h('p', { class: 'error' }, (err as Error).message));
    }
  }

  const revoked = async (message: string) => {
    notify(message);
    await Promise.all([load(), hooks.ended()]);
  };

  function sessionsTable(list: Session[]): HTMLElement {
    const revokeAll = h('button', { type: 'button', class: 'danger' }, `Revoke all ${list.length} sessions`);
    revokeAll.addEventListener('click', () =>
      busy(revokeAll, async () => {
        await api('DELETE', `${path}/sessions`);
        await revoked('Every session of this user ended.');
      }),
    );
    return h(
      'div',
      {},
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ...['Device', 'Client', 'OS', 'Country', 'IP', 'Begun', 'Provider', ''].map((title) => h('th', { scope: 'col' }, title)))),
        h(
          'tbody',
          {},
          ...list.map((session) => {
            const revoke = h('button', { type: 'button', 'aria-label': `Revoke session ${session.$id}` }, 'Revoke');
            revoke.addEventListener('click', () =>
              busy(revoke, async () => {
                await api('DELETE', `${path}/sessions/${encodeURIComponent(session.$id)}`);
                await revoked('The session ended.');
              }),
            );
            return h(
              'tr',
              {},
              h('td', {}, deviceLabel(session)),
              h('td', {}, clientLabel(session)),
              h('td', {}, osLabel(session)),
              h('td', {}, countryLabel(session)),
              h('td', {}, h('code', {}, session.ip)),
              h('td', { class: 'date' }, dateTime(session.$createdAt)),
              h('td', {}, session.provider),
              h('td', {}, revoke),
            );
          }),
        ),
      ),
      revokeAll,
    );
  }

  return { element, load };
}
