// The users page's chart: users and sessions created per day over the last 30 days
// (GET /v1/users/usage), an inline SVG built with the DOM, its numbers also as a table.
import { api } from './api.ts';
import { h, replace, svg } from './dom.ts';
import { dayOf, layout, type Series, type Usage } from './usage.ts';

const NOUN: Record<Series, [string, string]> = { users: ['user', 'users'], sessions: ['session', 'sessions'] };
const counted = (n: number, series: Series) => `${n.toLocaleString('en')} ${NOUN[series][n === 1 ? 0 : 1]}`;

export function usageSection(): HTMLElement {
  const body = h('div', { class: 'usage' }, h('p', { class: 'hint' }, 'Loading…'));
  api<Usage>('GET', '/users/usage', { query: { range: '30d' } }).then(
    (usage) => replace(body, ...drawing(usage)),
    (err: unknown) => replace(body, h('p', { class: 'error' }, (err as Error).message)),
  );
  return h('section', { class: 'card', 'aria-labelledby': 'usage-title' }, h('h2', { id: 'usage-title' }, 'Created per day, last 30 days'), body);
}

function drawing(usage: Usage): Node[] {
  const chart = layout(usage);
  const created = (series: Series) => usage[series].reduce((sum, m) => sum + m.value, 0);
  const legend = h(
    'p',
    { class: 'legend' },
    ...(['users', 'sessions'] as const).map((series) => h('span', { class: `key ${series}` }, `${counted(created(series), series)} created`)),
    h('span', { class: 'hint' }, `${counted(usage.usersTotal, 'users')} in the project now`),
  );
  const { left, width } = chart.plot;
  const picture = svg(
    'svg',
    { viewBox: `0 0 ${chart.width} ${chart.height}`, role: 'img', 'aria-labelledby': 'usage-title', class: 'chart' },
    ...chart.ticks.map((tick) =>
      svg(
        'g',
        { class: 'tick' },
        svg('line', { x1: left, x2: left + width, y1: tick.y, y2: tick.y }),
        svg('text', { x: left - 6, y: tick.y + 4, 'text-anchor': 'end' }, tick.value.toLocaleString('en')),
      ),
    ),
    ...chart.bars.map((bar) =>
      svg(
        'rect',
        { class: `bar ${bar.series}`, x: bar.x, y: bar.y, width: bar.width, height: bar.height },
        svg('title', {}, `${bar.day}: ${counted(bar.value, bar.series)} created`),
      ),
    ),
    ...chart.days.map((day) => svg('text', { class: 'day', x: day.x, y: chart.height - 6, 'text-anchor': 'middle' }, day.label)),
  );
  const table = h(
    'details',
    {},
    h('summary', {}, 'The numbers per day'),
    h(
      'table',
      { class: 'usage-table' },
      h('thead', {}, h('tr', {}, ...['Day (UTC)', 'Users', 'Sessions'].map((title) => h('th', { scope: 'col' }, title)))),
      h(
        'tbody',
        {},
        ...usage.users.map((metric, i) => h('tr', {}, h('td', {}, dayOf(metric.date)), h('td', {}, metric.value), h('td', {}, usage.sessions[i]?.value ?? 0))),
      ),
    ),
  );
  return [legend, picture, table];
}
