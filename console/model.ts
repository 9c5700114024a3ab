// The API's models as the console reads them (contract §3, §9), and how to show their
// parts to a person. No DOM here: test/console/ checks these in the Workers runtime.
export interface User {
  $id: string;
  email: string;
  name: string;
  emailVerification: boolean;
  status: number;
  registration: number;
}

export interface UserList {
  sum: number;
  users: User[];
}

interface Os {
  name: string;
  short_name: string;
  version: string;
  platform: string;
}

interface Client {
  type: string;
  name: string;
  short_name: string;
  version: string;
  engine: string;
}

/** The parts a session and a log entry share. An unknown device's OS is `[]`, its client `null`. */
export interface Device {
  ip: string;
  OS: Os | [] | null;
  client: Client | null;
  device: number | null;
  brand: string;
  model: string;
  geo: { isoCode: string; country: string };
}

export interface Session extends Device {
  $id: string;
}

export interface LogEntry extends Device {
  event: string;
  time: number;
}

export const STATUS: Record<number, string> = { 0: 'Unactivated', 1: 'Activated', 2: 'Blocked' };

// Matomo DeviceDetector's device types, by number (contract §3).
const DEVICE_TYPES = [
  'Desktop',
  'Smartphone',
  'Tablet',
  'Feature phone',
  'Console',
  'TV',
  'Car browser',
  'Smart display',
  'Camera',
  'Portable media player',
  'Phablet',
  'Smart speaker',
  'Wearable',
  'Peripheral',
];

export function deviceLabel(entry: Pick<Device, 'device' | 'brand' | 'model'>): string {
  const type = entry.device === null ? 'Unknown device' : (DEVICE_TYPES[entry.device] ?? `Device type ${entry.device}`);
  const make = [entry.brand, entry.model].filter(Boolean).join(' ');
  return make ? `${type} (${make})` : type;
}

export function clientLabel(client: Client | null): string {
  return client && client.name ? [client.name, client.version].filter(Boolean).join(' ') : 'Unknown client';
}

export function osLabel(os: Os | [] | null): string {
  if (!os || Array.isArray(os) || !os.name) return 'Unknown OS';
  return [os.name, os.version].filter(Boolean).join(' ') + (os.platform ? ` (${os.platform})` : '');
}

/** The flag emoji of an ISO-3166 alpha-2 code (regional indicator letters); "" for "--" or anything else. */
export function flagEmoji(isoCode: string): string {
  if (!/^[a-z]{2}$/i.test(isoCode)) return '';
  return String.fromCodePoint(...[...isoCode.toUpperCase()].map((letter) => 0x1f1e6 + letter.charCodeAt(0) - 65));
}

export function countryLabel(geo: Device['geo']): string {
  const flag = flagEmoji(geo.isoCode);
  return flag ? `${flag} ${geo.country}` : geo.country;
}

/** Unix seconds as a UTC date and time, the same for every operator whatever their time zone. */
export function dateTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
