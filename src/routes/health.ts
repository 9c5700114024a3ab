import { z } from 'zod';
import { endpoint } from '../http/endpoint.ts';
import { json } from '../http/respond.ts';

export const health = endpoint({
  method: 'GET',
  path: '/health',
  operationId: 'getHealth',
  summary: 'Health check',
  tag: 'health',
  access: { kind: 'open' },
  params: {},
  responses: { 200: { description: 'Service is up', model: z.object({ status: z.literal('OK') }).meta({ id: 'Health' }) } },
  handle: async () => json({ status: 'OK' }),
});
