// The one-field edit forms of a user (contract §9.1, §12.3): name, email, phone, password,
// labels, and both verifications.
import { api } from './api.ts';
import { busy, field, h, notify } from './dom.ts';
import { parseLabels, type User } from './model.ts';

export interface EditHooks {
  /** Shows the user the API answered with. */
  saved: (user: User) => void;
  /** Reloads what the edit changed besides the user (`route` is the edit's path segment). */
  after: (route: string) => Promise<unknown>;
}

/** What one form sends: `PATCH` unless said, to /users/{id}/<route>. */
type Edit = [route: string, payload: object, method?: 'PUT'];

/** The forms, and `fill` to put a (re)loaded user's values into them. */
export function editsSection(path: string, hooks: EditHooks): { element: HTMLElement; fill: (user: User) => void } {
  const fillers: Array<(user: User) => void> = [];

  /** A one-field form that sends the edit and shows the user the API answers. */
  function editForm(
    label: string,
    input: HTMLInputElement,
    fill: (input: HTMLInputElement, user: User) => void,
    body: (input: HTMLInputElement) => Edit,
    hint?: string,
  ): HTMLFormElement {
    const save = h('button', { type: 'submit' }, 'Save');
    const form = h('form', { class: 'edit' }, field(label, input, hint), save);
    fillers.push((u) => fill(input, u));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(save, async () => {
        const [route, payload, method = 'PATCH'] = body(input);
        hooks.saved(await api<User>(method, `${path}/${route}`, { body: payload }));
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
      h('input', { name: 'name', maxlength: 128, autocomplete: 'off' }),
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
      'Phone',
      h('input', { name: 'phone', type: 'tel', autocomplete: 'off', placeholder: '+14155550100' }),
      (input, u) => (input.value = u.phone),
      (input) => ['phone', { number: input.value.trim() }],
      'E.164 (+ and up to 15 digits); empty removes it.',
    ),
    editForm(
      'New password',
      h('input', { name: 'password', type: 'password', required: true, minlength: 8, maxlength: 256, autocomplete: 'new-password' }),
      (input) => (input.value = ''),
      (input) => ['password', { password: input.value }],
      'Saving ends every session of the user.',
    ),
    editForm(
      'Labels',
      h('input', { name: 'labels', autocomplete: 'off', spellcheck: 'false' }),
      (input, u) => (input.value = u.labels.join(', ')),
      (input) => ['labels', { labels: parseLabels(input.value) }, 'PUT'],
      'Separated by commas or spaces; each 1 to 36 letters or digits. Saving replaces them all.',
    ),
    editForm(
      'Email verified',
      h('input', { name: 'emailVerification', type: 'checkbox' }),
      (input, u) => (input.checked = u.emailVerification),
      (input) => ['verification', { emailVerification: input.checked }],
    ),
    editForm(
      'Phone verified',
      h('input', { name: 'phoneVerification', type: 'checkbox' }),
      (input, u) => (input.checked = u.phoneVerification),
      (input) => ['verification/phone', { phoneVerification: input.checked }],
    ),
  );
  return { element, fill: (user) => fillers.forEach((fill) => fill(user)) };
}
