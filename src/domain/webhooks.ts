// Registering a webhook (contract §10, scripts/admin.ts): its events, its destination
// (webhook-destinations.ts) and its signing secret, shown once and kept encrypted
// (webhook-secrets.ts). Delivery is webhook-delivery.ts.
import { insertWebhookSql } from '../db/admin-sql.ts';
import { toBase64 } from './base64.ts';
import { nowSeconds } from './context.ts';
import { SUBSCRIPTIONS } from './events.ts';
import { PROJECT_ID, newId } from './ids.ts';
import { destinationRefusal } from './webhook-destinations.ts';
import { encryptSecret } from './webhook-secrets.ts';

export interface NewWebhook {
  projectId: string;
  url: string;
  events: string[];
  name: string;
}

/** Checks a registration and makes its SQL; the `whsec_` secret is returned once and stored encrypted. */
export async function createWebhookSql(w: NewWebhook, secretKey: string, allowPrivate: boolean): Promise<{ sql: string; id: string; secret: string }> {
  if (!PROJECT_ID.test(w.projectId)) throw new Error(`project id must match ${PROJECT_ID}`);
  const refusal = destinationRefusal(w.url, allowPrivate);
  if (refusal) throw new Error(`--url: ${refusal}`);
  const unknown = w.events.filter((e) => !SUBSCRIPTIONS.includes(e));
  if (w.events.length === 0 || unknown.length > 0) throw new Error(`--events must be a non-empty list of ${SUBSCRIPTIONS.join(', ')}`);
  const id = newId();
  const secret = `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
  const sql = insertWebhookSql({
    id,
    projectId: w.projectId,
    name: w.name,
    url: new URL(w.url).href,
    events: [...new Set(w.events)],
    secret: await encryptSecret(secret, secretKey, id),
    created: nowSeconds(),
  });
  return { sql, id, secret };
}
