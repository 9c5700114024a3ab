// A user's live sessions, each revocable, and "revoke all" (contract §4).
import { api } from './api.ts';
import { busy, h, notify, replace } from './dom.ts';
import { clientLabel, countryLabel, deviceLabel, osLabel, type Session } from './model.ts';

/** `ended` runs after a revocation (the activity log has a new entry). */
export function sessionsSection(path: string, ended: () => Promise<void>): { element: HTMLElement; load: () => Promise<void> } {
  const element = h('div', { class: 'scroll' });

  async function load(): Promise<void> {
    try {
      const list = await api<Session[]>('GET', `${path}/sessions`);
      replace(element, list.length ? sessionsTable(list) : h('p', {}, 'No active sessions.'));
    } catch (err) {
      replace(element, h('p', { class: 'error' }, (err as Error).message));
    }
  }

  const revoked = async (message: string) => {
    notify(message);
    await Promise.all([load(), ended()]);
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
        h('thead', {}, h('tr', {}, ...['Device', 'Client', 'OS', 'Country', 'IP', ''].map((title) => h('th', { scope: 'col' }, title)))),
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

  return { element, load };
}
