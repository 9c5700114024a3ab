import { describe, it, expect } from 'vitest';
import { parseUserAgent } from '../../src/domain/user-agent.ts';

const UNKNOWN = { OS: [], client: null, device: null, brand: '', model: '' };

describe('parseUserAgent', () => {
  it('matches the upstream e2e result for Chrome 70 on Windows 10 x64', () => {
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.77 Safari/537.36';
    expect(parseUserAgent(ua)).toEqual({
      OS: { name: 'Windows', short_name: 'WIN', version: '10', platform: 'x64' },
      client: { type: 'browser', name: 'Chrome', short_name: 'CH', version: '70.0', engine: 'Blink' },
      device: 0,
      brand: '',
      model: '',
    });
  });

  it('keeps the upstream key order (responses are serialised as-is)', () => {
    const info = parseUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.77 Safari/537.36');
    expect(JSON.stringify(info)).toBe(
      '{"OS":{"name":"Windows","short_name":"WIN","version":"10","platform":"x64"},' +
        '"client":{"type":"browser","name":"Chrome","short_name":"CH","version":"70.0","engine":"Blink"},' +
        '"device":0,"brand":"","model":""}',
    );
  });

  it('parses Mobile Safari on an iPhone', () => {
    const ua = 'Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.1 Mobile/15E148 Safari/604.1';
    expect(parseUserAgent(ua)).toEqual({
      OS: { name: 'iOS', short_name: 'IOS', version: '14.6', platform: '' },
      client: { type: 'browser', name: 'Mobile Safari', short_name: 'MF', version: '14.1', engine: 'WebKit' },
      device: 1,
      brand: 'AP',
      model: 'iPhone',
    });
  });

  it('parses Mobile Safari on an iPad as a tablet', () => {
    const ua = 'Mozilla/5.0 (iPad; CPU OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.1 Mobile/15E148 Safari/604.1';
    expect(parseUserAgent(ua)).toEqual({
      OS: { name: 'iOS', short_name: 'IOS', version: '14.6', platform: '' },
      client: { type: 'browser', name: 'Mobile Safari', short_name: 'MF', version: '14.1', engine: 'WebKit' },
      device: 2,
      brand: 'AP',
      model: 'iPad',
    });
  });

  it('parses Safari on a Mac as a desktop without brand or model', () => {
    const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.1 Safari/605.1.15';
    expect(parseUserAgent(ua)).toEqual({
      OS: { name: 'Mac', short_name: 'MAC', version: '10.15', platform: '' },
      client: { type: 'browser', name: 'Safari', short_name: 'SF', version: '14.1', engine: 'WebKit' },
      device: 0,
      brand: '',
      model: '',
    });
  });

  it('parses Firefox on 64-bit Linux', () => {
    expect(parseUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:89.0) Gecko/20100101 Firefox/89.0')).toEqual({
      OS: { name: 'GNU/Linux', short_name: 'LIN', version: '', platform: 'x64' },
      client: { type: 'browser', name: 'Firefox', short_name: 'FF', version: '89.0', engine: 'Gecko' },
      device: 0,
      brand: '',
      model: '',
    });
  });

  it('parses Firefox on 32-bit Ubuntu', () => {
    expect(parseUserAgent('Mozilla/5.0 (X11; Ubuntu; Linux i686; rv:89.0) Gecko/20100101 Firefox/89.0')).toEqual({
      OS: { name: 'Ubuntu', short_name: 'UBT', version: '', platform: 'x86' },
      client: { type: 'browser', name: 'Firefox', short_name: 'FF', version: '89.0', engine: 'Gecko' },
      device: 0,
      brand: '',
      model: '',
    });
  });

  it('parses Chromium-based Edge on Windows', () => {
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36 Edg/91.0.864.59';
    expect(parseUserAgent(ua)).toEqual({
      OS: { name: 'Windows', short_name: 'WIN', version: '10', platform: 'x64' },
      client: { type: 'browser', name: 'Microsoft Edge', short_name: 'PS', version: '91.0', engine: 'Blink' },
      device: 0,
      brand: '',
      model: '',
    });
  });

  it('parses legacy EdgeHTML Edge with the "Edge" engine', () => {
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.18363';
    expect(parseUserAgent(ua).client).toEqual({
      type: 'browser',
      name: 'Microsoft Edge',
      short_name: 'PS',
      version: '18.18363',
      engine: 'Edge',
    });
  });

  it('parses Chrome on an Android phone', () => {
    const ua = 'Mozilla/5.0 (Linux; Android 10; SM-G973F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.120 Mobile Safari/537.36';
    expect(parseUserAgent(ua)).toEqual({
      OS: { name: 'Android', short_name: 'AND', version: '10', platform: '' },
      client: { type: 'browser', name: 'Chrome Mobile', short_name: 'CM', version: '91.0', engine: 'Blink' },
      device: 1,
      brand: 'SA',
      model: 'SM-G973F',
    });
  });

  it('parses Chrome on an Android tablet (no "Mobile" token) as Chrome on a tablet', () => {
    const ua = 'Mozilla/5.0 (Linux; Android 10; SM-T510) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.120 Safari/537.36';
    expect(parseUserAgent(ua)).toEqual({
      OS: { name: 'Android', short_name: 'AND', version: '10', platform: '' },
      client: { type: 'browser', name: 'Chrome', short_name: 'CH', version: '91.0', engine: 'Blink' },
      device: 2,
      brand: 'SA',
      model: 'SM-T510',
    });
  });

  it('names Chrome on iOS and Firefox on Android as Matomo does', () => {
    const chromeIos =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/91.0.4472.80 Mobile/15E148 Safari/604.1';
    expect(parseUserAgent(chromeIos).client).toEqual({
      type: 'browser',
      name: 'Chrome Mobile iOS',
      short_name: 'CI',
      version: '91.0',
      engine: 'WebKit',
    });
    const firefoxAndroid = 'Mozilla/5.0 (Android 11; Mobile; rv:89.0) Gecko/89.0 Firefox/89.0';
    expect(parseUserAgent(firefoxAndroid)).toMatchObject({
      OS: { short_name: 'AND', version: '11' },
      client: { name: 'Firefox Mobile', short_name: 'FM', engine: 'Gecko' },
      device: 1,
    });
  });

  it('parses Internet Explorer 11 on Windows 7 and named Windows versions', () => {
    expect(parseUserAgent('Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko')).toEqual({
      OS: { name: 'Windows', short_name: 'WIN', version: '7', platform: 'x64' },
      client: { type: 'browser', name: 'Internet Explorer', short_name: 'IE', version: '11.0', engine: 'Trident' },
      device: 0,
      brand: '',
      model: '',
    });
    expect(parseUserAgent('Mozilla/5.0 (Windows NT 5.1; rv:52.0) Gecko/20100101 Firefox/52.0').OS).toEqual({
      name: 'Windows',
      short_name: 'WIN',
      version: 'XP',
      platform: '',
    });
  });

  it('returns the unknown result for missing, empty and unrecognised user agents', () => {
    for (const ua of [undefined, null, '', '   ', 'UNKNOWN', 'curl/7.68.0', 'node-fetch/1.0', 'garbage']) {
      expect(parseUserAgent(ua)).toEqual(UNKNOWN);
    }
  });

  it('does not share the unknown result between calls', () => {
    const first = parseUserAgent('');
    (first.OS as unknown[]).push('mutated');
    expect(parseUserAgent('')).toEqual(UNKNOWN);
  });

  it('never throws on hostile input', () => {
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.77 Safari/537.36';
    const hostile = [
      'x'.repeat(1_000_000),
      `${chrome}${' ('.repeat(200_000)}`,
      'Mozilla/5.0 (\u0000\u0000; \ud800 Linux \udfff x86_64)',
      '\ud83d'.repeat(10_000),
      '('.repeat(10_000) + ')'.repeat(10_000),
      '/'.repeat(100_000),
      'Mozilla/5.0 (iPhone; CPU iPhone OS 99999999999999999999_1 like Mac OS X) Version/1.2.3.4.5.6 Mobile/1 Safari/1',
    ];
    for (const ua of hostile) {
      expect(() => parseUserAgent(ua)).not.toThrow();
    }
    // Only the first 512 characters are parsed, so a known prefix is still recognised.
    expect(parseUserAgent(`${chrome}${' ('.repeat(200_000)}`).client).toMatchObject({ short_name: 'CH', version: '70.0' });
  });

  it('finishes quickly on huge inputs', () => {
    const started = Date.now();
    parseUserAgent('Mozilla/5.0 ' + 'a; '.repeat(1_000_000));
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
