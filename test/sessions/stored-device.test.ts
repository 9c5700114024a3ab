// The parsed User-Agent is stored positionally (src/db/device.ts, a third of the keyed
// JSON's size) and reads back as exactly the object the parser made, in its key order,
// for every shape: unknown (OS [] and client null), desktop, and hardware with brand and model.
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { parseUserAgent } from '../../src/domain/user-agent.ts';
import { createProject, expectJson } from '../helpers.ts';
import { CHROME_UA, IPHONE_UA, emailOf, insertUser, send, signIn } from './support.ts';

const SAMSUNG_TABLET_UA = 'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

it.each([
  ['no User-Agent', null],
  ['Chrome on Windows', CHROME_UA],
  ['Safari on an iPhone', IPHONE_UA],
  ['a Samsung tablet', SAMSUNG_TABLET_UA],
])('%s: sessions and logs give back the parsed device as it was, stored as a short array', async (_, ua) => {
  const project = await createProject();
  const userId = await insertUser(project);
  await signIn(project, await emailOf(userId), 'password', { headers: ua === null ? {} : { 'User-Agent': ua } });
  const device = parseUserAgent(ua);
  const expected = JSON.stringify(device);

  const [session] = await expectJson<any[]>(send(`/users/${userId}/sessions`, { project, key: project.readKey }));
  const [log] = await expectJson<any[]>(send(`/users/${userId}/logs`, { project, key: project.readKey }));
  const pick = (model: any) => JSON.stringify({ OS: model.OS, client: model.client, device: model.device, brand: model.brand, model: model.model });
  expect(pick(session)).toBe(expected);
  expect(pick(log)).toBe(expected);
  expect(Object.keys(session)).toEqual(['$id', 'ip', 'OS', 'client', 'device', 'brand', 'model', 'geo']);

  const stored = await env.DB.prepare('SELECT (SELECT device FROM sessions WHERE user_id = ?1) AS s, (SELECT device FROM audit_logs WHERE user_id = ?1) AS l')
    .bind(userId)
    .first<{ s: string; l: string }>();
  expect(JSON.parse(stored!.s)).toBeInstanceOf(Array);
  expect(stored!.l).toBe(stored!.s);
  expect(stored!.s.length).toBeLessThan(expected.length / 2);
});
