// A user's prefs: shown as formatted JSON, edited as text that must parse as a JSON object;
// saving replaces them whole, as the 1.x dialect does (contract §12.3).
import { api } from './api.ts';
import { busy, field, h, notify, showError } from './dom.ts';

type Prefs = Record<string, unknown>;

/** Prefs as formatted JSON, and an editor whose text must parse as a JSON object before it can be saved. */
export function prefsEditor(path: string): { element: HTMLElement; load: () => Promise<void> } {
  const stored = h('pre', { class: 'json', tabindex: '0', 'aria-label': 'Stored preferences' });
  const editor = h('textarea', { name: 'prefs', rows: 8, spellcheck: 'false', 'aria-describedby': 'prefs-problem' });
  const problem = h('p', { id: 'prefs-problem', class: 'error', 'aria-live': 'polite' });
  const save = h('button', { type: 'submit' }, 'Save prefs');
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
    h('p', { class: 'hint' }, 'Saving replaces the stored prefs with this object: a key removed here is deleted.'),
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
