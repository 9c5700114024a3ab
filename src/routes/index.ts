// The whole route table, in the order the API reference lists it. Each entry's
// module holds its handler; src/http/pipeline.ts runs the checks before it.
import type { Endpoint } from '../http/endpoint.ts';
import { health } from './health.ts';
import { createUser, getUser, getUserPrefs, listUsers, updateUserPrefs, updateUserStatus } from './users.ts';

export const endpoints: Endpoint<any>[] = [
  health,
  listUsers, // GET    /v1/users
  createUser, // POST   /v1/users
  getUser, // GET    /v1/users/:userId
  getUserPrefs, // GET    /v1/users/:userId/prefs
  updateUserPrefs, // PATCH  /v1/users/:userId/prefs
  updateUserStatus, // PATCH  /v1/users/:userId/status
];
