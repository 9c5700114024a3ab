// The API's 1.x models as the console reads them (contract §12.2), and how to show their
// parts to a person. No DOM here: test/console/ checks these in the Workers runtime.
export interface User {
  $id: string;
  name: string;
  /** ISO 8601. */
  registration: string;
  /** false exactly when blocked. */
  status: boolean;
  labels: string[];
  passwordUpdate: string;
  email: string;
  /** E.164, or "". */
  phone: string;
  emailVerification: boolean;
  phoneVerification: boolean;
  accessedAt: string;
}

export interface UserList {
  total: number;
  users: User[];
}

/** The flat device and country fields a session and a log entry share (empty strings when unknown). */
export interface Device {
  ip: string;
  osName: string;
  osVersion: string;
  clientName: string;
  clientVersion: string;
  deviceName: string;
  deviceBrand: string;
  deviceModel: string;
  /** Lower-case ISO 3166-1 alpha-2, `--` when unknown. */
  countryCode: string;
  countryName: string;
}

export interface Session extends Device {
  $id: string;
  $createdAt: string;
  provider: string;
  /** The session value: set only in the answer that created the session (contract §12.4). */
  secret: string;
}

export interface SessionList {
  total: number;
  sessions: Session[];
}

export interface LogEntry extends Device {
  event: string;
  mode: 'admin' | 'user';
  time: string;
}

export interface LogList {
  total: number;
  logs: LogEntry[];
}

/** 1.x has two states; 0.6's "unactivated" reads as active there. */
export const statusLabel = (status: boolean) => (status ? 'Active' : 'Blocked');

export function deviceLabel(entry: Pick<Device, 'deviceName' | 'deviceBrand' | 'deviceModel'>): string {
  const type = entry.deviceName ? entry.deviceName[0]!.toUpperCase() + entry.deviceName.slice(1) : 'Unknown device';
  const make = [entry.deviceBrand, entry.deviceModel].filter(Boolean).join(' ');
  return make ? `${type} (${make})` : type;
}

export function clientLabel(entry: Pick<Device, 'clientName' | 'clientVersion'>): string {
  return entry.clientName ? [entry.clientName, entry.clientVersion].filter(Boolean).join(' ') : 'Unknown client';
}

export function osLabel(entry: Pick<Device, 'osName' | 'osVersion'>): string {
  return entry.osName ? [entry.osName, entry.osVersion].filter(Boolean).join(' ') : 'Unknown OS';
}

/** The flag emoji of an ISO-3166 alpha-2 code (regional indicator letters); "" for "--" or anything else. */
export function flagEmoji(isoCode: string): string {
  if (!/^[a-z]{2}$/i.test(isoCode)) return '';
  return String.fromCodePoint(...[...isoCode.toUpperCase()].map((letter) => 0x1f1e6 + letter.charCodeAt(0) - 65));
}

export function countryLabel(entry: Pick<Device, 'countryCode' | 'countryName'>): string {
  const flag = flagEmoji(entry.countryCode);
  return flag ? `${flag} ${entry.countryName}` : entry.countryName;
}

/** An ISO date as a UTC date and time, the same for every operator whatever their time zone; "" (never) is "Never". */
export function dateTime(iso: string): string {
  return iso ? new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : 'Never';
}

/** Labels as the operator types them (separated by commas or spaces), in order, each once; the API checks each. */
export function parseLabels(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}
