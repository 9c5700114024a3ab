// The one-field edit forms of a user (contract §9.1): name, email, password, verification.
import { api } from './api.ts';
import { busy, field, h, notify } from './dom.ts';
import type { User } from './model.ts';

export interface EditHooks {
  /** Shows the user the API answered with. */
  saved: (user: User) => void;
  /** Reloads what the edit changed besides the user (`route` is the edit's path segment). */
  after: (route: string) => Promise<unknown>;
}

/** The forms, and `fill` to put a (re)loaded user's values into them. */
export function editsSection(path: string, hooks: EditHooks): { element: HTMLElement; fill: (user: User) => void } {
  const fillers: Array<(user: User) => void> = [];

  /** A one-field form that PATCHes /users/{id}/<route> and shows the user the API answers. */
  function editForm(
    label: string,
    input: HTMLInputElement,
    fill: (input: HTMLInputElement, user: User) => void,
    body: (input: HTMLInputElement) => [string, object],
    hint?: string,
  ): HTMLFormElement {
    const save = h('button', { type: 'submit' }, 'Save');
    const form = h('form', { class: 'edit' }, field(label, input, hint), save);
    fillers.push((u) => fill(input, u));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(save, async () => {
        const [route, payload] = body(input);
        hooks.saved(await api<User>('PATCH', `${path}/${route}`, { body: payload }));
        notify(`Saved ${label.toLowerCase()}.`);
        await hooks.after(route);
      });
    });
    return form;
  }

  const element = h(
    'div',
    { class: 'edits' },
    editForm(
      'Name',
      h('input', { name: 'name', maxlength: 100, autocomplete: 'off' }),
      (input, u) => (input.value = u.name),
      (input) => ['name', { name: input.value }],
    ),
    editForm(
      'Email',
      h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off' }),
      (input, u) => (input.value = u.email),
      (input) => ['email', { email: input.value }],
    ),
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
  return { element, fill: (user) => fillers.forEach((fill) => fill(user)) };
}
