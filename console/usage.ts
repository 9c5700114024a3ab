// GET /v1/users/usage (contract §12.3) as the console draws it: users and sessions created
// per day, laid out as bars on a scale that rounds up to 1, 2 or 5 × 10ⁿ. No DOM here:
// test/console/ checks the layout.
export interface Metric {
  value: number;
  /** ISO 8601: the day's (or hour's) start. */
  date: string;
}

export interface Usage {
  range: string;
  usersTotal: number;
  sessionsTotal: number;
  users: Metric[];
  sessions: Metric[];
}

export type Series = 'users' | 'sessions';

export interface Bar {
  series: Series;
  day: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  width: number;
  height: number;
  /** The plot's box inside the drawing. */
  plot: { left: number; top: number; width: number; height: number };
  /** The scale's top value (the plot's full height). */
  max: number;
  bars: Bar[];
  /** Gridlines: value and y. */
  ticks: Array<{ value: number; y: number }>;
  /** A few day labels along the bottom: x at the middle of the day's slot. */
  days: Array<{ label: string; x: number }>;
}

const WIDTH = 720;
const HEIGHT = 180;
const PLOT = { left: 40, top: 10, width: WIDTH - 48, height: HEIGHT - 34 };
/** Each day's slot holds the users bar then the sessions bar, with a gap each side. */
const BAR_SHARE = 0.38;

/** The smallest of 1, 2, 5 × 10ⁿ at or above `value` (at least 1). */
export function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((nice) => nice >= value)!;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The day (UTC) of an ISO date, as YYYY-MM-DD. */
export const dayOf = (iso: string) => new Date(iso).toISOString().slice(0, 10);

export function layout(usage: Pick<Usage, 'users' | 'sessions'>): Layout {
  const days = usage.users.length;
  const max = niceCeiling(Math.max(0, ...usage.users.map((m) => m.value), ...usage.sessions.map((m) => m.value)));
  const slot = PLOT.width / Math.max(days, 1);
  const bottom = PLOT.top + PLOT.height;
  const bars = (['users', 'sessions'] as const).flatMap((series, n) =>
    usage[series].map((metric, i): Bar => {
      const height = round((metric.value / max) * PLOT.height);
      return {
        series,
        day: dayOf(metric.date),
        value: metric.value,
        x: round(PLOT.left + i * slot + slot * (0.1 + n * (BAR_SHARE + 0.04))),
        y: round(bottom - height),
        width: round(slot * BAR_SHARE),
        height,
      };
    }),
  );
  const ticks = [0, max / 2, max].filter((value) => Number.isInteger(value)).map((value) => ({ value, y: round(bottom - (value / max) * PLOT.height) }));
  const labelled = [...new Set([0, Math.floor((days - 1) / 2), days - 1])].filter((i) => i >= 0 && i < days);
  const dayLabels = labelled.map((i) => ({ label: dayOf(usage.users[i]!.date).slice(5), x: round(PLOT.left + (i + 0.5) * slot) }));
  return { width: WIDTH, height: HEIGHT, plot: PLOT, max, bars, ticks, days: dayLabels };
}
