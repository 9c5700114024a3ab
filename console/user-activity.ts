// A user's activity timeline: the audit log, newest first, a page at a time (contract §4).
import { api } from './api.ts';
import { busy, h, replace, showError } from './dom.ts';
import { clientLabel, countryLabel, dateTime, deviceLabel, osLabel, type Device, type LogEntry } from './model.ts';

const LOGS_PAGE = 25;

/** `load(true)` starts again from the newest entry (after a change that logs one). */
export function activitySection(path: string): { elements: HTMLElement[]; load: (fromStart: boolean) => Promise<void> } {
  const logs = h('ol', { class: 'timeline' });
  const olderLogs = h('button', { type: 'button', hidden: true }, 'Show older entries');
  let logCount = 0;

  async function load(fromStart: boolean): Promise<void> {
    try {
      const entries = await api<LogEntry[]>('GET', `${path}/logs`, { query: { limit: LOGS_PAGE, offset: fromStart ? 0 : logCount } });
      if (fromStart) {
        replace(logs);
        logCount = 0;
      }
      logCount += entries.length;
      for (const log of entries) logs.appendChild(logItem(log));
      if (logCount === 0) logs.appendChild(h('li', {}, 'Nothing logged yet.'));
      olderLogs.hidden = entries.length < LOGS_PAGE;
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
    h('time', { datetime: new Date(log.time * 1000).toISOString() }, dateTime(log.time)),
    h('strong', { class: 'event' }, log.event),
    h('span', { class: 'detail' }, deviceDetail(log)),
  );
}

function deviceDetail(device: Device): string {
  return [clientLabel(device.client), osLabel(device.OS), deviceLabel(device), countryLabel(device.geo), device.ip].join(' · ');
}
