// The OpenAPI document's top-level `webhooks` section (contract §10): one entry per event
// the service sends, whose schema the bodies really delivered satisfy.
import { Validator } from '@cfworker/json-schema';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { callJson, createProject, createUser } from '../helpers.ts';
import { insertUser, send, signIn } from '../sessions/support.ts';
import { createWebhook, deliver, receiver } from '../webhooks/support.ts';
import { fetchDocument, type Schema } from './support.ts';

const doc = (await fetchDocument()) as Awaited<ReturnType<typeof fetchDocument>> & { webhooks: Record<string, { post: Schema }> };

describe('the webhooks section', () => {
  it('describes each event with the Standard Webhooks headers', () => {
    for (const [event, { post }] of Object.entries(doc.webhooks)) {
      expect(
        post.parameters.map((p: Schema) => p.name),
        event,
      ).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'X-Appwrite-Webhook-Event', 'X-Appwrite-Webhook-Project-Id']);
      expect(post.requestBody.content['application/json'].schema.$ref, event).toMatch(/^#\/components\/schemas\/Webhook/);
    }
  });

  it('delivered bodies of every kind validate against their event’s schema', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.*', 'account.sessions.create', 'account.sessions.delete']);
    const user = await createUser(project, { email: 'doc@example.com', password: 'password' });
    await callJson(`/users/${user.$id}/prefs`, { method: 'PATCH', project, body: { prefs: { a: 1 } } });
    const session = await signIn(project, 'doc@example.com');
    await signIn(project, 'doc@example.com');
    await send(`/account/sessions/${session.id}`, { method: 'DELETE', project, session });
    await callJson(`/users/${user.$id}/sessions`, { method: 'DELETE', project });
    // A server-made session and a token (1.x dialect).
    const format = { 'x-appwrite-response-format': '1.6.0' };
    await callJson(`/users/${user.$id}/sessions`, { method: 'POST', project, headers: format, body: {} });
    await callJson(`/users/${user.$id}/tokens`, { method: 'POST', project, headers: format, body: {} });
    await insertUser(project);

    const { results } = await env.DB.prepare('SELECT id FROM webhook_events WHERE project_id = ?').bind(project.id).all<{ id: string }>();
    const listening = receiver();
    try {
      await deliver(results.map((r) => r.id));
    } finally {
      listening.restore();
    }
    const kinds = new Set<string>();
    for (const { body } of listening.received) {
      const payload = JSON.parse(body);
      kinds.add(payload.event);
      const schema = doc.webhooks[payload.event]!.post.requestBody.content['application/json'].schema;
      const { errors } = new Validator({ ...schema, components: doc.components }, '2020-12', false).validate(payload);
      expect(errors, body).toEqual([]);
    }
    expect([...kinds].sort()).toEqual([
      'account.sessions.create',
      'account.sessions.delete',
      'users.create',
      'users.sessions.create',
      'users.sessions.delete',
      'users.tokens.create',
      'users.update.prefs',
    ]);
  });
});
