// Support access (contract §12.4): a new session of the user, or a JWT for one of their
// sessions. The secret is shown once, with a copy button, and lives only in that field:
// never in storage or the URL, gone when hidden or when the page changes.
import { api } from './api.ts';
import { busy, field, h, notify, replace } from './dom.ts';
import type { Session } from './model.ts';

const MAX_JWT_SECONDS = 3600;
const DEFAULT_JWT_SECONDS = 900;

/** `offer` takes the user's sessions (the JWT's choices); `after` reloads what a new session changes. */
export function secretsSection(path: string, after: () => Promise<unknown>): { elements: HTMLElement[]; offer: (sessions: Session[]) => void } {
  const shown = h('div', { class: 'secret', hidden: true, role: 'region', 'aria-label': 'New secret' });

  function reveal(title: string, secret: string, note: string): void {
    const value = h('input', { readonly: true, value: secret, autocomplete: 'off', spellcheck: 'false', class: 'secret-value' });
    const copy = h('button', { type: 'button' }, 'Copy');
    const hide = h('button', { type: 'button', class: 'quiet' }, 'Hide');
    copy.addEventListener('click', () =>
      // No clipboard API outside a secure context (plain http but for localhost).
      (navigator.clipboard ? navigator.clipboard.writeText(value.value) : Promise.reject(new Error('No clipboard'))).then(
        () => notify('Copied to the clipboard.'),
        () => {
          value.select();
          notify('The browser refused the clipboard: the secret is selected, copy it with Ctrl+C (⌘C).', 'error');
        },
      ),
    );
    hide.addEventListener('click', () => {
      replace(shown);
      shown.hidden = true;
    });
    replace(shown, field(title, value, note), h('div', { class: 'buttons' }, copy, hide));
    shown.hidden = false;
    value.focus();
    value.select();
  }

  const newSession = h('button', { type: 'button' }, 'Create a session');
  newSession.addEventListener('click', () =>
    busy(newSession, async () => {
      const session = await api<Session>('POST', `${path}/sessions`);
      reveal(
        'Session secret (shown once)',
        session.secret,
        `Session ${session.$id}: the value of the a_session_<project> cookie, or of X-Appwrite-Session. Revoke the session when done.`,
      );
      notify('Session created.');
      await after();
    }),
  );

  const sessionChoice = h('select', { name: 'sessionId' }, h('option', { value: 'recent' }, 'The most recent session'));
  const duration = h('input', { name: 'duration', type: 'number', min: 0, max: MAX_JWT_SECONDS, value: DEFAULT_JWT_SECONDS, required: true });
  const createJwt = h('button', { type: 'submit' }, 'Create a JWT');
  const jwtForm = h(
    'form',
    { class: 'inline-form' },
    field('For the session', sessionChoice),
    field('Valid for (seconds)', duration, `0 to ${MAX_JWT_SECONDS}`),
    createJwt,
  );
  jwtForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(createJwt, async () => {
      const { jwt } = await api<{ jwt: string }>('POST', `${path}/jwts`, { body: { sessionId: sessionChoice.value, duration: Number(duration.value) } });
      reveal('JWT (shown once)', jwt, `Send it as X-Appwrite-JWT; it stops working after ${duration.value} s or when its session ends.`);
      notify('JWT created.');
    });
  });

  function offer(sessions: Session[]): void {
    const chosen = sessionChoice.value;
    replace(
      sessionChoice,
      h('option', { value: 'recent' }, 'The most recent session'),
      ...sessions.map((s) => h('option', { value: s.$id, selected: s.$id === chosen }, `${s.$id} (${s.provider})`)),
    );
  }

  return {
    elements: [
      h(
        'p',
        {},
        'For support work: act as this user with a new session, or a short-lived JWT for one of their sessions. The secret is shown here once and the console keeps no copy.',
      ),
      h('div', { class: 'buttons' }, newSession),
      jwtForm,
      shown,
    ],
    offer,
  };
}
