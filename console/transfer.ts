// Import (POST /v1/users/import, up to 1000 records and 4 MiB a request) and export
// (GET /v1/users/export, paged to the end) of a project's users, contract §9.2–9.3.
import { api } from './api.ts';
import { busy, field, h, notify, replace } from './dom.ts';
import { FIREBASE_DEFAULTS, FORMAT_NAMES, detectFormat, importRequests, readImportFile, type Format, type ImportRecord } from './import-files.ts';

const EXPORT_PAGE = 1000;
const MAX_LISTED_ERRORS = 200;

interface ImportAnswer {
  sum: number;
  users: unknown[];
  errors: Array<{ index: number; code: number; message: string }>;
}

export function transferView(main: HTMLElement, project: string): void {
  const heading = h('h1', { tabindex: '-1' }, 'Import and export');
  replace(main, heading, importSection(), exportSection(project));
  heading.focus();
}

function importSection(): HTMLElement {
  const file = h('input', { type: 'file', name: 'file', accept: '.jsonl,.ndjson,.json,application/json' });
  const format = h('select', { name: 'format' }, ...Object.entries(FORMAT_NAMES).map(([value, name]) => h('option', { value }, name)));
  const signerKey = h('input', { name: 'signerKey', autocomplete: 'off', spellcheck: 'false' });
  const saltSeparator = h('input', { name: 'saltSeparator', autocomplete: 'off', spellcheck: 'false' });
  const rounds = h('input', { name: 'rounds', type: 'number', min: 1, value: FIREBASE_DEFAULTS.rounds });
  const memCost = h('input', { name: 'memCost', type: 'number', min: 1, value: FIREBASE_DEFAULTS.memCost });
  const firebase = h(
    'fieldset',
    { hidden: true },
    h('legend', {}, 'Firebase password hash parameters'),
    h('p', { class: 'hint' }, 'From the Firebase console: Authentication → Users → ⋮ → Password hash parameters.'),
    field('Signer key (base64_signer_key)', signerKey),
    field('Salt separator (base64_salt_separator)', saltSeparator),
    field('Rounds', rounds),
    field('Memory cost (mem_cost)', memCost),
  );
  const count = h('p', { class: 'count', 'aria-live': 'polite' });
  const start = h('button', { type: 'submit', disabled: true }, 'Import');
  const progress = h('progress', { id: 'import-progress', max: 1, value: 0 });
  const progressText = h('span', { 'aria-live': 'polite' });
  const progressRow = h('div', { class: 'progress', hidden: true }, h('label', { for: 'import-progress' }, 'Import progress'), progress, progressText);
  const result = h('div', { class: 'result' });
  let text = '';
  let records: ImportRecord[] = [];

  /** Reads the chosen file in the chosen format; the count (or what is wrong) shows at once. */
  const parse = () => {
    firebase.hidden = format.value !== 'firebase';
    records = [];
    start.disabled = true;
    if (!file.files?.length) return void (count.textContent = '');
    try {
      records = readImportFile(text, format.value as Format, {
        signerKey: signerKey.value.trim(),
        saltSeparator: saltSeparator.value.trim(),
        rounds: Number(rounds.value),
        memCost: Number(memCost.value),
      });
      count.className = 'count';
      count.textContent = `${records.length.toLocaleString('en')} ${records.length === 1 ? 'record' : 'records'} in ${file.files[0]!.name} (${FORMAT_NAMES[format.value as Format]}).`;
      start.disabled = records.length === 0;
    } catch (err) {
      count.className = 'count error';
      count.textContent = (err as Error).message;
    }
  };
  file.addEventListener('change', async () => {
    text = (await file.files?.[0]?.text()) ?? '';
    format.value = detectFormat(text);
    parse();
  });
  for (const input of [format, signerKey, saltSeparator, rounds, memCost]) input.addEventListener('input', parse);

  const form = h(
    'form',
    {},
    field(
      'File',
      file,
      'JSON Lines (one record per line, as export writes it), a Firebase auth:export JSON file, or a JSON array of Supabase auth.users rows.',
    ),
    field('Format', format),
    firebase,
    count,
    start,
    progressRow,
    result,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const batch = records;
    void busy(start, async () => {
      progressRow.hidden = false;
      progress.max = batch.length;
      progress.value = 0;
      replace(result);
      let created = 0;
      const skipped: Array<{ record: ImportRecord; index: number; message: string }> = [];
      const report = () => {
        progressText.textContent = `${progress.value.toLocaleString('en')} of ${batch.length.toLocaleString('en')} (${Math.round((100 * progress.value) / batch.length)} %)`;
      };
      report();
      try {
        let from = 0;
        for await (const chunk of importRequests(batch)) {
          const answer = await api<ImportAnswer>('POST', '/users/import', { body: { users: chunk } });
          created += answer.sum;
          for (const error of answer.errors) skipped.push({ record: chunk[error.index]!, index: from + error.index, message: error.message });
          from += chunk.length;
          progress.value = from;
          report();
        }
      } finally {
        replace(result, summary(created, skipped, batch.length - progress.value));
      }
      notify(`Import finished.`);
    });
  });
  return h('section', { class: 'card', 'aria-labelledby': 'import-title' }, h('h2', { id: 'import-title' }, 'Import users'), form);
}

function summary(created: number, skipped: Array<{ record: ImportRecord; index: number; message: string }>, notSent: number): HTMLElement {
  const listed = skipped.slice(0, MAX_LISTED_ERRORS);
  return h(
    'div',
    { class: 'summary', role: 'region', 'aria-label': 'Import summary' },
    h(
      'p',
      {},
      h('strong', {}, `${created.toLocaleString('en')} created`),
      `, ${skipped.length.toLocaleString('en')} skipped`,
      notSent ? `, ${notSent.toLocaleString('en')} not sent (the import stopped)` : '',
      '.',
    ),
    listed.length
      ? h(
          'ul',
          { class: 'skipped' },
          ...listed.map(({ record, index, message }) => h('li', {}, `Record ${index + 1}`, record?.email ? ` (${record.email})` : '', `: ${message}`)),
        )
      : null,
    skipped.length > listed.length ? h('p', {}, `…and ${(skipped.length - listed.length).toLocaleString('en')} more.`) : null,
  );
}

function exportSection(project: string): HTMLElement {
  const start = h('button', { type: 'button' }, 'Download JSON Lines');
  const status = h('p', { 'aria-live': 'polite' });
  start.addEventListener('click', () =>
    busy(start, async () => {
      const lines: string[] = [];
      let cursor: string | null | undefined;
      do {
        const page = await api<{ records: unknown[]; cursor: string | null }>('GET', '/users/export', {
          query: { cursor: cursor ?? undefined, limit: EXPORT_PAGE },
        });
        for (const record of page.records) lines.push(JSON.stringify(record) + '\n');
        cursor = page.cursor;
        status.textContent = `${lines.length.toLocaleString('en')} users read…`;
      } while (cursor);
      const url = URL.createObjectURL(new Blob(lines, { type: 'application/x-ndjson' }));
      const link = h('a', { href: url, download: `users-${project}-${new Date().toISOString().slice(0, 10)}.jsonl`, hidden: true });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      status.textContent = `Exported ${lines.length.toLocaleString('en')} users.`;
      notify(`Export downloaded: ${lines.length.toLocaleString('en')} users.`);
    }),
  );
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'export-title' },
    h('h2', { id: 'export-title' }, 'Export users'),
    h(
      'p',
      {},
      'Every user of the project as JSON Lines, in registration order: the format import reads. Password hashes are included only if the key has the users.export scope.',
    ),
    start,
    status,
  );
}
