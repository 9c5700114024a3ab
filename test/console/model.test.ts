// How the console shows the 1.x models' parts (console/model.ts).
import { expect, it } from 'vitest';
import { clientLabel, countryLabel, dateTime, deviceLabel, flagEmoji, osLabel, parseLabels, statusLabel } from '../../console/model.ts';

it('draws a country’s flag from its ISO code, and none for "--"', () => {
  expect(flagEmoji('us')).toBe('🇺🇸');
  expect(flagEmoji('DE')).toBe('🇩🇪');
  expect(flagEmoji('--')).toBe('');
  expect(countryLabel({ countryCode: 'fr', countryName: 'France' })).toBe('🇫🇷 France');
  expect(countryLabel({ countryCode: '--', countryName: 'Unknown' })).toBe('Unknown');
});

it('names the device, client and OS from the flat fields, and says when they are unknown', () => {
  expect(deviceLabel({ deviceName: 'desktop', deviceBrand: '', deviceModel: '' })).toBe('Desktop');
  expect(deviceLabel({ deviceName: 'smartphone', deviceBrand: 'Apple', deviceModel: 'iPhone' })).toBe('Smartphone (Apple iPhone)');
  expect(deviceLabel({ deviceName: '', deviceBrand: '', deviceModel: '' })).toBe('Unknown device');
  expect(clientLabel({ clientName: 'Chrome', clientVersion: '70.0' })).toBe('Chrome 70.0');
  expect(clientLabel({ clientName: '', clientVersion: '' })).toBe('Unknown client');
  expect(osLabel({ osName: 'Windows', osVersion: '10' })).toBe('Windows 10');
  expect(osLabel({ osName: '', osVersion: '' })).toBe('Unknown OS');
});

it('shows ISO dates in UTC, and "" as never', () => {
  expect(dateTime('2026-12-02T10:00:59.999+00:00')).toBe('2026-12-02 10:00 UTC');
  expect(dateTime('')).toBe('Never');
  expect([statusLabel(true), statusLabel(false)]).toEqual(['Active', 'Blocked']);
});

it('reads labels separated by commas or spaces, each once, in order', () => {
  expect(parseLabels(' vip, beta  vip,,trial ')).toEqual(['vip', 'beta', 'trial']);
  expect(parseLabels('  ')).toEqual([]);
});
