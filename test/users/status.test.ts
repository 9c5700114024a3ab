// PATCH /v1/users/{userId}/status (contract §4, §6): 0, 1, 2 as numbers or numeric
// strings; anything else is 400; the updated user comes back and is stored.
import { describe, expect, it } from 'vitest';
import { call, createProject, createUser, databaseSnapshot, expectError, expectJson, insertUsers, storedUser, type TestProject } from '../helpers.ts';

const INVALID = 'Invalid status: Value must be one of (1, 2, 0)';
const REQUIRED = 'Param "status" is not optional.';

const patchStatus = (project: TestProject, id: string, body: unknown) => call(`/users/${id}/status`, { method: 'PATCH', project, body });

async function fixture(status: 0 | 1 | 2 = 0) {
  const project = await createProject();
  const [id] = await insertUsers(project, [{ email: 'status@example.com', name: 'Status', status, registration: 1_500_000_000 }]);
  return { project, id: id! };
}

describe('PATCH /v1/users/{userId}/status', () => {
  it('{status: 2} is 200 with the user, and GET shows 2 (upstream e2e)', async () => {
    const project = await createProject();
    const user = await createUser(project, { email: 'block.me@example.com', name: 'Block Me' });
    const updated = await expectJson(patchStatus(project, user.$id, { status: 2 }));
    expect(updated).toEqual({ ...user, status: 2 });
    expect(updated.roles).toEqual([]);
    expect((await expectJson(call(`/users/${user.$id}`, { project }))).status).toBe(2);
    expect((await storedUser(user.$id))!.status).toBe(2);
    const listed = await expectJson(call('/users', { project }));
    expect(listed.users[0].status).toBe(2);
  });

  it.each([
    [0, 0],
    [1, 1],
    [2, 2],
    ['0', 0],
    ['1', 1],
    ['2', 2],
  ])('%j is accepted and stored as %i', async (sent, stored) => {
    const { project, id } = await fixture(stored === 1 ? 2 : 1);
    const updated = await expectJson(patchStatus(project, id, { status: sent }));
    expect(updated).toEqual({
      $id: id,
      email: 'status@example.com',
      emailVerification: false,
      status: stored,
      registration: 1_500_000_000,
      name: 'Status',
      roles: [],
    });
    expect(typeof updated.status).toBe('number');
    expect((await storedUser(id))!.status).toBe(stored);
  });

  it('setting the current status again is fine', async () => {
    const { project, id } = await fixture(1);
    expect((await expectJson(patchStatus(project, id, { status: 1 }))).status).toBe(1);
  });

  it.each([
    ['3', 3],
    ['-1', -1],
    ['1.5', 1.5],
    ['"abc"', 'abc'],
    ['"3"', '3'],
    ['" 1"', ' 1'],
    ['"01"', '01'],
    ['"1.0"', '1.0'],
    ['true', true],
    ['false', false],
    ['an array', [1]],
    ['an object', { status: 1 }],
    ['a huge number', 1e300],
  ])('%s is 400 and changes nothing', async (_, status) => {
    const { project, id } = await fixture(1);
    const before = await databaseSnapshot();
    await expectError(patchStatus(project, id, { status }), 400, INVALID);
    expect(await databaseSnapshot()).toEqual(before);
  });

  it.each([
    ['a missing status', {}],
    ['null', { status: null }],
    ['an empty string', { status: '' }],
    ['no body', undefined],
  ])('%s is 400 Param "status" is not optional.', async (_, body) => {
    const { project, id } = await fixture(1);
    const before = await databaseSnapshot();
    await expectError(patchStatus(project, id, body), 400, REQUIRED);
    expect(await databaseSnapshot()).toEqual(before);
  });

  it('changes only the status', async () => {
    const { project, id } = await fixture(0);
    const before = await storedUser(id);
    await expectJson(patchStatus(project, id, { status: 2, email: 'hijack@example.com', name: 'Hijack', emailVerification: true }));
    // updated_at (the 1.x $updatedAt, migration 0010) records the change too.
    expect(await storedUser(id)).toEqual({ ...before, status: 2, updated_at: expect.any(Number) });
  });

  it('an unknown user is 404 once the parameters are valid', async () => {
    const { project } = await fixture();
    const before = await databaseSnapshot();
    await expectError(patchStatus(project, 'nosuchuser', { status: 1 }), 404, 'User not found');
    await expectError(patchStatus(project, 'nosuchuser', { status: 'abc' }), 400, INVALID);
    await expectError(patchStatus(project, 'nosuchuser', {}), 400, REQUIRED);
    expect(await databaseSnapshot()).toEqual(before);
  });

  it('another project’s user is 404 and keeps its status', async () => {
    const a = await fixture();
    const b = await fixture(1);
    await expectError(patchStatus(a.project, b.id, { status: 2 }), 404, 'User not found');
    expect((await storedUser(b.id))!.status).toBe(1);
  });
});
