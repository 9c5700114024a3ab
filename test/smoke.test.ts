import { describe, expect, it } from 'vitest';
import { callJson, createProject, createUser } from './helpers.ts';

describe('smoke', () => {
  it('creates and lists', async () => {
    const project = await createProject();
    const user = await createUser(project, { email: 'users.service@example.com', name: 'Project User' });
    expect(user).toMatchObject({ email: 'users.service@example.com', name: 'Project User', status: 0, roles: [] });
    const list = await callJson('/users?search=example.com', { project });
    expect(list.body).toEqual({ sum: 1, users: [expect.objectContaining({ email: 'users.service@example.com' })] });
    const prefs = await callJson(`/users/${user.$id}/prefs`, { method: 'PATCH', project, body: { prefs: { a: 1, b: { c: true } } } });
    expect(prefs.body).toEqual({ a: 1, b: { c: true } });
  });
});
