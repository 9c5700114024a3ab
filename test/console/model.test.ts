// How the console shows a session's or log entry's device (console/model.ts).
import { expect, it } from 'vitest';
import { clientLabel, countryLabel, deviceLabel, flagEmoji, osLabel } from '../../console/model.ts';

it('draws a country’s flag from its ISO code, and none for "--"', () => {
  expect(flagEmoji('us')).toBe('🇺🇸');
  expect(flagEmoji('DE')).toBe('🇩🇪');
  expect(flagEmoji('--')).toBe('');
  expect(countryLabel({ isoCode: 'fr', country: 'France' })).toBe('🇫🇷 France');
  expect(countryLabel({ isoCode: '--', country: 'Unknown' })).toBe('Unknown');
});

it('names the device, client and OS, and says when they are unknown', () => {
  expect(deviceLabel({ device: 0, brand: '', model: '' })).toBe('Desktop');
  expect(deviceLabel({ device: 1, brand: 'Apple', model: 'iPhone' })).toBe('Smartphone (Apple iPhone)');
  expect(deviceLabel({ device: null, brand: '', model: '' })).toBe('Unknown device');
  expect(clientLabel({ type: 'browser', name: 'Chrome', short_name: 'CH', version: '70.0', engine: 'Blink' })).toBe('Chrome 70.0');
  expect(clientLabel(null)).toBe('Unknown client');
  expect(osLabel({ name: 'Windows', short_name: 'WIN', version: '10', platform: 'x64' })).toBe('Windows 10 (x64)');
  // An unknown device's OS is [] (upstream's PHP empty array).
  expect(osLabel([])).toBe('Unknown OS');
});
