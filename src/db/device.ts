// How a session or log entry stores its parsed User-Agent: a positional JSON array,
// [[OS name, short_name, version, platform] or [], [client type, name, short_name, version,
// engine] or null, device, brand, model], about a third of the keyed object's bytes. The
// rows handed up carry the keyed object's JSON as before (rebuilt in SQL on read), and
// rows written before migration 0009 still hold that object, which reads as it is.
import { sql, type AnyColumn } from 'drizzle-orm';

/** The keyed JSON the domain gives and gets: {OS, client, device, brand, model}. */
interface KeyedDevice {
  OS: { name: string; short_name: string; version: string; platform: string } | [];
  client: { type: string; name: string; short_name: string; version: string; engine: string } | null;
  device: number | null;
  brand: string;
  model: string;
}

/** The stored form of the domain's device JSON. */
export function packDevice(json: string): string {
  const { OS: os, client, device, brand, model } = JSON.parse(json) as KeyedDevice;
  return JSON.stringify([
    Array.isArray(os) ? [] : [os.name, os.short_name, os.version, os.platform],
    client && [client.type, client.name, client.short_name, client.version, client.engine],
    device,
    brand,
    model,
  ]);
}

/** The column as the domain's keyed JSON, in the key order the parser writes. */
export function deviceJson(column: AnyColumn) {
  const at = (path: string) => sql`${column} ->> ${sql.raw(`'${path}'`)}`;
  return sql<string>`CASE WHEN json_type(${column}) = 'array' THEN json_object(
    'OS', CASE WHEN json_array_length(${column}, '$[0]') > 0
      THEN json_object('name', ${at('$[0][0]')}, 'short_name', ${at('$[0][1]')}, 'version', ${at('$[0][2]')}, 'platform', ${at('$[0][3]')})
      ELSE json('[]') END,
    'client', CASE WHEN json_type(${column}, '$[1]') = 'array'
      THEN json_object('type', ${at('$[1][0]')}, 'name', ${at('$[1][1]')}, 'short_name', ${at('$[1][2]')}, 'version', ${at('$[1][3]')}, 'engine', ${at('$[1][4]')}) END,
    'device', ${at('$[2]')}, 'brand', ${at('$[3]')}, 'model', ${at('$[4]')})
  ELSE ${column} END`;
}
