// Deleting a user (contract §9.1), confirmed by typing their email or id.
import { api } from './api.ts';
import { busy, field, h, notify } from './dom.ts';
import type { User } from './model.ts';

export function deleteForm(path: string, current: () => User | undefined): HTMLElement {
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
