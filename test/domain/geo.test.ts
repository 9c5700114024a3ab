import { describe, it, expect } from 'vitest';
import { geoFor } from '../../src/domain/geo.ts';

const UNKNOWN = { isoCode: '--', country: 'Unknown' };

describe('geoFor', () => {
  it('names a Cloudflare (upper-case) or stored (lower-case) country code in English by default', () => {
    expect(geoFor('US', undefined)).toEqual({ isoCode: 'us', country: 'United States' });
    expect(geoFor('us', null)).toEqual({ isoCode: 'us', country: 'United States' });
    expect(geoFor('us', 'en')).toEqual({ isoCode: 'us', country: 'United States' });
    expect(geoFor('DE', '')).toEqual({ isoCode: 'de', country: 'Germany' });
  });

  it('names a country per locale however often it is asked (names are remembered per locale)', () => {
    for (let i = 0; i < 3; i++) {
      expect(geoFor('de', 'de')).toEqual({ isoCode: 'de', country: 'Deutschland' });
      expect(geoFor('de', 'en')).toEqual({ isoCode: 'de', country: 'Germany' });
      expect(geoFor('DE', undefined)).toEqual({ isoCode: 'de', country: 'Germany' });
    }
  });

  it('localises the country name for X-Appwrite-Locale', () => {
    expect(geoFor('US', 'de')).toEqual({ isoCode: 'us', country: 'Vereinigte Staaten' });
    expect(geoFor('us', 'de')).toEqual({ isoCode: 'us', country: 'Vereinigte Staaten' });
    expect(geoFor('DE', 'pt-BR')).toEqual({ isoCode: 'de', country: 'Alemanha' });
    expect(geoFor('fr', 'fr')).toEqual({ isoCode: 'fr', country: 'France' });
  });

  it('returns Unknown for missing, unknown and Tor country codes', () => {
    for (const code of [undefined, null, '', '--', 'XX', 'xx', 'T1', 't1', 'ZZ', 'AA', 'USA', 'u', '12', ' us']) {
      expect(geoFor(code, 'en')).toEqual(UNKNOWN);
    }
  });

  it('keeps Unknown in English whatever the locale', () => {
    expect(geoFor('XX', 'de')).toEqual(UNKNOWN);
  });

  it('falls back to English for invalid, unsupported or oversized locales without throwing', () => {
    for (const locale of ['not a locale!', '$$$', 'en_US', 'zz-ZZ', 'x'.repeat(10_000), 'de-'.repeat(5_000), '\u0000', '\ud800']) {
      expect(geoFor('US', locale)).toEqual({ isoCode: 'us', country: 'United States' });
    }
  });

  it('stays correct after many distinct locales have cycled through the cache', () => {
    for (let i = 0; i < 200; i++) geoFor('US', `en-x-c${i}`);
    expect(geoFor('US', 'de')).toEqual({ isoCode: 'us', country: 'Vereinigte Staaten' });
    expect(geoFor('US', 'en')).toEqual({ isoCode: 'us', country: 'United States' });
  });
});
