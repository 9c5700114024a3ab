// The console's entry: the key form, and the views by location hash (#/users,
// #/users/<id>, #/transfer), so the browser's back button and links work.
import { credentials, signIn, signOut, whenRejected } from './api.ts';
import { clearNotice, field, h, replace } from './dom.ts';
import { transferView } from './transfer.ts';
import { userView } from './user.ts';
import { usersView } from './users.ts';

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;

function keyForm(message?: string): void {
  nav.hidden = true;
  clearNotice();
  const project = h('input', { name: 'project', required: true, autocomplete: 'off', spellcheck: 'false', value: credentials()?.project ?? '' });
  const key = h('input', { name: 'key', type: 'password', required: true, autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'card narrow', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title', tabindex: '-1' }, 'Sign in with an API key'),
    h(
      'p',
      {},
      'The key stays in this tab only (sessionStorage) and goes to this site’s API with every request; the console can do what the key’s scopes allow.',
    ),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    field('Project ID', project),
    field('API key', key, 'npm start prints the development key; npm run admin -- key create makes others.'),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    signIn({ project: project.value.trim().toLowerCase(), key: key.value.trim() });
    if (location.hash.startsWith('#/')) route();
    else location.hash = '#/users';
  });
  replace(main, form);
  (project.value ? key : project).focus();
}

function route(): void {
  const saved = credentials();
  if (!saved) return keyForm();
  nav.hidden = false;
  replace(document.getElementById('who')!, `Project ${saved.project}`);
  clearNotice(true);
  const [, section, id] = location.hash.split('/');
  if (section === 'users' && id) userView(main, decodeURIComponent(id));
  else if (section === 'transfer') transferView(main, saved.project);
  else usersView(main);
}

whenRejected((message) => keyForm(message));
document.getElementById('sign-out')!.addEventListener('click', () => {
  signOut();
  keyForm();
});
window.addEventListener('hashchange', route);
route();
