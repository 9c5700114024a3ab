// What a delivery carries: its body (contract §10) and its Standard Webhooks signature.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { WebhookEventRow } from '../db/webhooks.ts';
import { fromBase64, toBase64 } from './base64.ts';

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed by the decoded part after `whsec_`. */
export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = fromBase64(secret.replace(/^whsec_/, ''));
  return `v1,${toBase64(hmac(sha256, key, new TextEncoder().encode(`${id}.${timestamp}.${body}`)))}`;
}

/** The JSON body of a delivery (§10). */
export function deliveryBody(event: WebhookEventRow): string {
  return `{"event":${JSON.stringify(event.event)},"projectId":${JSON.stringify(event.projectId)},"userId":${JSON.stringify(event.userId)},"time":${event.time},"data":${event.data}}`;
}
