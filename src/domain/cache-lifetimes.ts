// How long an isolate keeps what it looked up (domain/access.ts, http/cors.ts): a project
// (with its origins and shard) and a key for AUTH_CACHE_TTL_MS, a miss for MISS_CACHE_TTL_MS.
// Apart from the caches, so that a move (domain/moves.ts) can wait them out outside the Worker.
export const AUTH_CACHE_TTL_MS = 30_000;
export const MISS_CACHE_TTL_MS = 5_000;
