// Device info for sessions and logs in the shape Appwrite 0.6 got from Matomo DeviceDetector 3.5
// (names, short codes, major.minor versions), derived from ua-parser-js v1 (MIT, small bundle).
// @ts-expect-error ua-parser-js v1 ships no type declarations (TS7016); ParsedUA types what we read.
import UAParser from 'ua-parser-js';

export interface OsInfo {
  name: string;
  short_name: string;
  version: string;
  platform: string;
}
export interface ClientInfo {
  type: string;
  name: string;
  short_name: string;
  version: string;
  engine: string;
}
export interface DeviceInfo {
  OS: OsInfo | []; // [] when unknown (upstream PHP empty array)
  client: ClientInfo | null;
  device: number | null; // Matomo device type: 0 desktop, 1 smartphone, 2 tablet, 4 console, 5 tv, 12 wearable, ...
  brand: string; // Matomo brand short code, "" when unknown
  model: string;
}

interface ParsedUA {
  browser: { name?: string; version?: string };
  engine: { name?: string };
  os: { name?: string; version?: string };
  device: { vendor?: string; model?: string; type?: string };
}

// Keys are ua-parser names, lower-cased. Values: Matomo name, short code, desktop OS family.
const OSES: Record<string, [string, string, boolean]> = {
  windows: ['Windows', 'WIN', true],
  'mac os': ['Mac', 'MAC', true],
  linux: ['GNU/Linux', 'LIN', true],
  ubuntu: ['Ubuntu', 'UBT', true],
  kubuntu: ['Kubuntu', 'KBT', true],
  xubuntu: ['Xubuntu', 'XBT', true],
  debian: ['Debian', 'DEB', true],
  fedora: ['Fedora', 'FED', true],
  mint: ['Mint', 'MIN', true],
  arch: ['Arch Linux', 'ARL', true],
  gentoo: ['Gentoo', 'GNT', true],
  centos: ['CentOS', 'CES', true],
  'chromium os': ['Chrome OS', 'COS', true],
  freebsd: ['FreeBSD', 'BSD', true],
  openbsd: ['OpenBSD', 'OBS', true],
  netbsd: ['NetBSD', 'NBS', true],
  ios: ['iOS', 'IOS', false],
  android: ['Android', 'AND', false],
  'windows phone': ['Windows Phone', 'WPH', false],
  watchos: ['watchOS', 'WAS', false],
  tizen: ['Tizen', 'TIZ', false],
  kaios: ['KaiOS', 'KOS', false],
  playstation: ['PlayStation', 'PS3', false],
  xbox: ['Xbox', 'XBX', false],
};

const BROWSERS: Record<string, [string, string]> = {
  chrome: ['Chrome', 'CH'],
  'chrome headless': ['Headless Chrome', 'HC'],
  'chrome webview': ['Chrome Webview', 'CV'],
  chromium: ['Chromium', 'CR'],
  firefox: ['Firefox', 'FF'],
  'firefox focus': ['Firefox Focus', 'FK'],
  safari: ['Safari', 'SF'],
  'mobile safari': ['Mobile Safari', 'MF'],
  edge: ['Microsoft Edge', 'PS'],
  ie: ['Internet Explorer', 'IE'],
  iemobile: ['IE Mobile', 'IM'],
  opera: ['Opera', 'OP'],
  'opera mini': ['Opera Mini', 'OI'],
  'opera mobi': ['Opera Mobile', 'OM'],
  'opera gx': ['Opera GX', 'OX'],
  'samsung internet': ['Samsung Browser', 'SB'],
  yandex: ['Yandex Browser', 'YA'],
  brave: ['Brave', 'BR'],
  vivaldi: ['Vivaldi', 'VI'],
  'android browser': ['Android Browser', 'AN'],
  ucbrowser: ['UC Browser', 'UC'],
  'miui browser': ['MIUI Browser', 'MU'],
  'huawei browser': ['Huawei Browser', 'HU'],
  duckduckgo: ['DuckDuckGo Privacy Browser', 'DD'],
  silk: ['Mobile Silk', 'MS'],
};

// Matomo names the phone (Android, with a "Mobile" token) and iOS builds of these separately;
// ua-parser does not.
const MOBILE_BROWSERS: Record<string, [string, string]> = {
  'chrome AND': ['Chrome Mobile', 'CM'],
  'chrome IOS': ['Chrome Mobile iOS', 'CI'],
  'firefox AND': ['Firefox Mobile', 'FM'],
  'firefox IOS': ['Firefox Mobile iOS', 'F1'],
  'opera AND': ['Opera Mobile', 'OM'],
};

const ENGINES: Record<string, string> = {
  blink: 'Blink',
  webkit: 'WebKit',
  gecko: 'Gecko',
  trident: 'Trident',
  edgehtml: 'Edge',
  presto: 'Presto',
  khtml: 'KHTML',
};

const DEVICE_TYPES: Record<string, number> = { mobile: 1, tablet: 2, console: 4, smarttv: 5, wearable: 12 };

const BRANDS: Record<string, string> = {
  apple: 'AP',
  samsung: 'SA',
  google: 'GO',
  huawei: 'HU',
  xiaomi: 'XI',
  oneplus: 'ON',
  oppo: 'OP',
  vivo: 'VV',
  realme: 'RE',
  motorola: 'MR',
  lg: 'LG',
  sony: 'SO',
  nokia: 'NK',
  htc: 'HT',
  lenovo: 'LE',
  asus: 'AU',
  zte: 'ZT',
  microsoft: 'MS',
  amazon: 'KN',
  nvidia: 'NV',
  meizu: 'M1',
  tcl: 'TC',
};

// Windows releases ua-parser reports by name rather than number; Matomo uses the same names.
const NAMED_WINDOWS = new Set(['XP', 'Vista', 'ME']);

const MAX_UA_LENGTH = 512;

function unknown(): DeviceInfo {
  return { OS: [], client: null, device: null, brand: '', model: '' };
}

// Matomo truncates versions to major.minor ("70.0.3538.77" -> "70.0") and never reports
// non-numeric ones (ua-parser sometimes returns e.g. "x86_64" as the Linux version).
function majorMinor(version: string | undefined): string {
  return /^\d+(?:\.\d+)?/.exec(version ?? '')?.[0] ?? '';
}

// DeviceDetector 3.5's platform rules, applied to the raw user agent.
function platform(ua: string): string {
  if (/\barm/i.test(ua)) return 'ARM';
  if (/\b(?:wow64|x64|win64|amd64|x86_64)/i.test(ua)) return 'x64';
  if (/\b(?:i\d86|i86pc)/i.test(ua)) return 'x86';
  return '';
}

export function parseUserAgent(userAgent: string | null | undefined): DeviceInfo {
  if (typeof userAgent !== 'string') return unknown();
  const ua = userAgent.slice(0, MAX_UA_LENGTH);
  // Empty input must not reach the parser: it would fall back to navigator.userAgent.
  if (ua.trim() === '') return unknown();
  try {
    const parsed = new UAParser(ua).getResult() as ParsedUA;

    const osEntry = OSES[parsed.os.name?.toLowerCase() ?? ''];
    const osVersion = parsed.os.version ?? '';
    const os: OsInfo | undefined = osEntry && {
      name: osEntry[0],
      short_name: osEntry[1],
      version: NAMED_WINDOWS.has(osVersion) ? osVersion : majorMinor(osVersion),
      platform: platform(ua),
    };

    const android = os?.short_name === 'AND';
    const mobileToken = /mobile/i.test(ua);
    const browserName = parsed.browser.name?.toLowerCase() ?? '';
    const mobileOs = os?.short_name === 'IOS' ? 'IOS' : android && mobileToken ? 'AND' : '';
    const browserEntry = MOBILE_BROWSERS[`${browserName} ${mobileOs}`] ?? BROWSERS[browserName];
    const client: ClientInfo | null = browserEntry
      ? {
          type: 'browser',
          name: browserEntry[0],
          short_name: browserEntry[1],
          version: majorMinor(parsed.browser.version),
          engine: ENGINES[parsed.engine.name?.toLowerCase() ?? ''] ?? '',
        }
      : null;

    let device: number | null = null;
    const type = parsed.device.type;
    if (type !== undefined) device = DEVICE_TYPES[type] ?? null;
    // DeviceDetector: Android without a "Mobile" token is a tablet.
    else if (android) device = mobileToken ? 1 : 2;
    else if (osEntry?.[2]) device = 0;

    // Brand and model describe handheld/TV/console hardware only (no "Macintosh" for desktops).
    const hardware = device !== null && device !== 0;
    return {
      OS: os ?? [],
      client,
      device,
      brand: hardware ? (BRANDS[parsed.device.vendor?.toLowerCase() ?? ''] ?? '') : '',
      model: hardware ? (parsed.device.model ?? '') : '',
    };
  } catch {
    return unknown();
  }
}
