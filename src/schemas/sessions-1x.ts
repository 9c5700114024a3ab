// Parameters and models of the 1.x sessions routes (contract §12.4): the Account API's
// sign-ins and the Users API's sessions, tokens and JWTs, with Appwrite 1.6's rules.
import { z } from 'zod';
import { MAX_JWT_DURATION } from '../domain/session-jwts.ts';
import { TOKEN_EXPIRE, TOKEN_LENGTH, type TokenRecord } from '../domain/tokens.ts';
import { integerInRange, text } from './common.ts';
import { models1x } from './dialect.ts';
import { optional, required } from './params.ts';
import { isoDate } from './user-model.ts';
import { createSessionParams } from './sessions.ts';

const rangeRule = (min: number, max: number) => `Value must be a valid range between ${min} and ${max}`;

export const emailSessionParams1x = {
  email: createSessionParams.email,
  // Any password up to 256 chars: a user whose password predates the 8-char minimum still signs in (a wrong one is 401).
  password: required(text(256), 'Value must be a valid string and at least 1 chars and no longer than 256 chars', 'User password.'),
};

export const tokenSessionParams1x = {
  userId: required(text(36), 'Value must be a valid string and at least 1 chars and no longer than 36 chars', 'User ID.'),
  secret: required(
    text(256),
    'Value must be a valid string and at least 1 chars and no longer than 256 chars',
    'The secret of a token made by `POST /users/{userId}/tokens`.',
  ),
};

export const createTokenParams1x = {
  length: optional(
    integerInRange(TOKEN_LENGTH.min, TOKEN_LENGTH.max),
    rangeRule(TOKEN_LENGTH.min, TOKEN_LENGTH.max),
    'Token length in characters. The default length is 6 characters',
    TOKEN_LENGTH.default,
  ),
  expire: optional(
    integerInRange(TOKEN_EXPIRE.min, TOKEN_EXPIRE.max),
    rangeRule(TOKEN_EXPIRE.min, TOKEN_EXPIRE.max),
    'Token expiration period in seconds. The default expiration is 15 minutes.',
    TOKEN_EXPIRE.default,
  ),
};

export const createJwtParams1x = {
  sessionId: optional(
    text(36),
    'Value must be a valid string and at least 1 chars and no longer than 36 chars',
    "Session ID. Use the string 'recent' to use the most recent session. Defaults to the most recent session.",
    'recent',
  ),
  duration: optional(
    integerInRange(0, MAX_JWT_DURATION),
    rangeRule(0, MAX_JWT_DURATION),
    'Time in seconds before JWT expires. Default duration is 900 seconds, and maximum is 3600 seconds. 0: as long as the session lives.',
    900,
  ),
};

export const token1xModel = z
  .object({
    $id: z.string(),
    $createdAt: z.string(),
    userId: z.string(),
    secret: z.string().meta({ description: 'The token secret: shown this once, only its hash is stored.' }),
    expire: z.string(),
    phrase: z.string().meta({ description: 'Security phrase: always "" here (upstream sets one only for email tokens asking for it).' }),
  })
  .register(models1x, { id: 'Token' });

export function renderToken(t: TokenRecord) {
  return { $id: t.id, $createdAt: isoDate(t.created * 1000), userId: t.userId, secret: t.secret, expire: isoDate(t.expire * 1000), phrase: '' };
}

export const jwt1xModel = z.object({ jwt: z.string().meta({ description: 'Send it as X-Appwrite-JWT.' }) }).register(models1x, { id: 'JWT' });
