// The usage chart's layout (console/usage.ts): bars in proportion on a rounded scale.
import { expect, it } from 'vitest';
import { layout, niceCeiling } from '../../console/usage.ts';

const day = (n: number) => `2026-11-${String(n).padStart(2, '0')}T00:00:00.000+00:00`;
const series = (values: number[]) => values.map((value, i) => ({ value, date: day(i + 1) }));

it('rounds the scale up to 1, 2 or 5 × 10ⁿ', () => {
  expect([0, 1, 2, 3, 7, 10, 11, 31, 50, 51, 999, 1001].map(niceCeiling)).toEqual([1, 1, 2, 5, 10, 10, 20, 50, 50, 100, 1000, 2000]);
});

it('draws one bar per day and series, in proportion, from the baseline', () => {
  const chart = layout({ users: series([0, 31, 10]), sessions: series([5, 0, 50]) });
  expect(chart.max).toBe(50);
  const users = chart.bars.filter((b) => b.series === 'users');
  const sessions = chart.bars.filter((b) => b.series === 'sessions');
  expect(users.map((b) => [b.day, b.value])).toEqual([
    ['2026-11-01', 0],
    ['2026-11-02', 31],
    ['2026-11-03', 10],
  ]);
  const bottom = chart.plot.top + chart.plot.height;
  expect(sessions[2]!.height).toBe(chart.plot.height); // the scale's top
  expect(users[1]!.height).toBeCloseTo((31 / 50) * chart.plot.height, 1);
  expect(users[0]!.height).toBe(0);
  for (const bar of chart.bars) expect(bar.y + bar.height).toBeCloseTo(bottom, 1);
  // Left to right by day; a day's sessions bar right of its users bar, inside the plot.
  expect(users[0]!.x).toBeLessThan(sessions[0]!.x);
  expect(sessions[0]!.x + sessions[0]!.width).toBeLessThan(users[1]!.x);
  expect(sessions[2]!.x + sessions[2]!.width).toBeLessThanOrEqual(chart.plot.left + chart.plot.width);
  expect(chart.ticks.map((t) => t.value)).toEqual([0, 25, 50]);
  expect(chart.days.map((d) => d.label)).toEqual(['11-01', '11-02', '11-03']);
});

it('keeps a flat chart of zeros on a scale of 1', () => {
  const chart = layout({ users: series(Array(30).fill(0)), sessions: series(Array(30).fill(0)) });
  expect(chart.max).toBe(1);
  expect(chart.bars).toHaveLength(60);
  expect(chart.bars.every((b) => b.height === 0)).toBe(true);
  expect(chart.ticks.map((t) => t.value)).toEqual([0, 1]); // no half tick
  expect(chart.days.map((d) => d.label)).toEqual(['11-01', '11-15', '11-30']);
});
