// A user's activity timeline: the audit log, newest first, a page at a time (contract §4, §12.3).
import { api } from './api.ts';
import { busy, h, replace, showError } from './dom.ts';
import { clientLabel, countryLabel, dateTime, deviceLabel, osLabel, type Device, type LogEntry, type LogList } from './model.ts';
import { Query } from './queries.ts';

const LOGS_PAGE = 25;

/** `load(true)` starts again from the newest entry (after a change that logs one). */
export function activitySection(path: string): { elements: HTMLElement[]; load: (fromStart: boolean) => Promise<void> } {
  const logs = h('ol', { class: 'timeline' });
  const olderLogs = h('button', { type: 'button', hidden: true }, 'Show older entries');
  let logCount = 0;

  async function load(fromStart: boolean): Promise<void> {
    try {
      const queries = [Query.limit(LOGS_PAGE), Query.offset(fromStart ? 0 : logCount)];
      const { total, logs: entries } = await api<LogList>('GET', `${path}/logs`, { query: { queries } });
      if (fromStart) {
        replace(logs);
        logCount = 0;
      }
      logCount += entries.length;
      for (const log of entries) logs.appendChild(logItem(log));
      if (logCount === 0) logs.appendChild(h('li', {}, 'Nothing logged yet.'));
      olderLogs.hidden = logCount >= total;
    } catch (err) {
      showError(err);
    }
  }

  olderLogs.addEventListener('click', () => busy(olderLogs, () => load(false)));
  return { elements: [logs, olderLogs], load };
}

function logItem(log: LogEntry): HTMLElement {
  return h(
    'li',
    {},
    h('time', { datetime: log.time }, dateTime(log.time)),
    h('strong', { class: 'event' }, log.event),
    h('span', { class: 'mode' }, log.mode === 'admin' ? 'by an API key' : 'by the user'),
    h('span', { class: 'detail' }, deviceDetail(log)),
  );
}

function deviceDetail(device: Device): string {
  return [clientLabel(device), osLabel(device), deviceLabel(device), countryLabel(device), device.ip].join(' · ');
}
