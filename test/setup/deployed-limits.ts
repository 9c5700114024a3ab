// Cloudflare's deployed limits, enforced on the bindings the tests hand the Worker.
// Local workerd is silent about all of them, so code that passes every local run can
// still fail on every deployed one (the outbox once bound 101 parameters). Each Worker
// invocation (a fetch, a queue batch, a scheduled run, with the waitUntil work it leaves)
// gets fresh budgets; a violation throws where it happens, as the platform would, and is
// also recorded so that test/setup/deployed-limits-check.ts fails the test even when the
// code under test swallows the error. Production code paths are not touched.
// Figures: ../shared/reference/cloudflare-platform-notes.md and Cloudflare's limits pages.

export const LIMITS = {
  d1BoundParameters: 100,
  d1StatementBytes: 100_000,
  d1QueriesPerInvocation: 1_000,
  queueBatchMessages: 100,
  queueBatchBytes: 256 * 1024,
  queueMessageBytes: 128 * 1024,
  kvOperationsPerInvocation: 1_000,
  kvMinTtlSeconds: 60,
  kvKeyBytes: 512,
} as const;

export class DeployedLimitError extends Error {
  override name = 'DeployedLimitError';
}

const violations: string[] = [];

/** The violations recorded since the last call, cleared. */
export function takeViolations(): string[] {
  return violations.splice(0);
}

function violate(message: string): never {
  const error = new DeployedLimitError(`deployed limit: ${message}`);
  violations.push(error.message);
  // Visible in wrangler dev's output too (the end-to-end suite's Worker).
  console.error(error.message);
  throw error;
}

const utf8 = new TextEncoder();
const bytes = (text: string) => utf8.encode(text).length;

/** What one invocation has used so far. */
export interface Budget {
  d1Queries: number;
  kvOperations: number;
}

export const newBudget = (): Budget => ({ d1Queries: 0, kvOperations: 0 });

function spendQueries(budget: Budget, n: number): void {
  budget.d1Queries += n;
  if (budget.d1Queries > LIMITS.d1QueriesPerInvocation)
    violate(`more than ${LIMITS.d1QueriesPerInvocation} D1 queries in one invocation (${budget.d1Queries})`);
}

function spendKv(budget: Budget, operation: string): void {
  budget.kvOperations++;
  if (budget.kvOperations > LIMITS.kvOperationsPerInvocation)
    violate(`more than ${LIMITS.kvOperationsPerInvocation} KV operations in one invocation (${operation})`);
}

// --- D1 ------------------------------------------------------------------------------

const realStatements = new WeakMap<object, D1PreparedStatement>();

function checkSql(sql: string): void {
  const size = bytes(sql);
  if (size > LIMITS.d1StatementBytes) violate(`a D1 statement of ${size} bytes (at most ${LIMITS.d1StatementBytes}): ${sql.slice(0, 80)}…`);
}

function guardStatement(statement: D1PreparedStatement, sql: string, budget: Budget): D1PreparedStatement {
  const run =
    <K extends 'first' | 'all' | 'run' | 'raw'>(method: K) =>
    (...args: unknown[]) => {
      spendQueries(budget, 1);
      return (statement[method] as (...a: unknown[]) => unknown)(...args);
    };
  const guarded = {
    bind: (...values: unknown[]) => {
      if (values.length > LIMITS.d1BoundParameters)
        violate(`a D1 statement with ${values.length} bound parameters (at most ${LIMITS.d1BoundParameters}): ${sql.slice(0, 80)}…`);
      return guardStatement(statement.bind(...values), sql, budget);
    },
    first: run('first'),
    all: run('all'),
    run: run('run'),
    raw: run('raw'),
  } as unknown as D1PreparedStatement;
  realStatements.set(guarded, statement);
  return guarded;
}

/** Statements prepared elsewhere (not through a guard) pass through as they are. */
const unwrap = (statements: D1PreparedStatement[]) => statements.map((s) => realStatements.get(s) ?? s);

function guardPrepare(prepare: (sql: string) => D1PreparedStatement, budget: Budget) {
  return (sql: string) => {
    checkSql(sql);
    return guardStatement(prepare(sql), sql, budget);
  };
}

function guardSession(session: D1DatabaseSession, budget: Budget): D1DatabaseSession {
  return {
    prepare: guardPrepare((sql) => session.prepare(sql), budget),
    batch: (statements: D1PreparedStatement[]) => {
      spendQueries(budget, statements.length);
      return session.batch(unwrap(statements));
    },
    getBookmark: () => session.getBookmark(),
  } as D1DatabaseSession;
}

/** A D1 binding whose every statement (direct, batched, or through a session) is checked. Methods are looked up at call time, so spies installed later still apply. */
export function guardD1(db: D1Database, budget: Budget): D1Database {
  return {
    prepare: guardPrepare((sql) => db.prepare(sql), budget),
    batch: (statements: D1PreparedStatement[]) => {
      spendQueries(budget, statements.length);
      return db.batch(unwrap(statements));
    },
    exec: (sql: string) => {
      checkSql(sql);
      spendQueries(budget, 1);
      return db.exec(sql);
    },
    withSession: (constraint?: D1SessionConstraint | D1SessionBookmark) => guardSession(db.withSession(constraint), budget),
    dump: () => db.dump(),
  } as D1Database;
}

// --- Workers KV -------------------------------------------------------------------------

function checkKey(key: unknown): void {
  if (typeof key === 'string' && bytes(key) > LIMITS.kvKeyBytes) violate(`a KV key of ${bytes(key)} bytes (at most ${LIMITS.kvKeyBytes})`);
}

function checkPutOptions(options: KVNamespacePutOptions | undefined): void {
  if (options?.expirationTtl !== undefined && options.expirationTtl < LIMITS.kvMinTtlSeconds)
    violate(`a KV expirationTtl of ${options.expirationTtl} s (at least ${LIMITS.kvMinTtlSeconds})`);
  if (options?.expiration !== undefined && options.expiration < Date.now() / 1000 + LIMITS.kvMinTtlSeconds)
    violate(`a KV expiration less than ${LIMITS.kvMinTtlSeconds} s ahead`);
}

export function guardKv(kv: KVNamespace, budget: Budget): KVNamespace {
  return {
    get: (key: unknown, options?: unknown) => {
      spendKv(budget, 'get');
      (Array.isArray(key) ? key : [key]).forEach(checkKey);
      return (kv.get as (...a: unknown[]) => unknown)(key, options);
    },
    getWithMetadata: (key: unknown, options?: unknown) => {
      spendKv(budget, 'getWithMetadata');
      (Array.isArray(key) ? key : [key]).forEach(checkKey);
      return (kv.getWithMetadata as (...a: unknown[]) => unknown)(key, options);
    },
    put: (key: string, value: unknown, options?: KVNamespacePutOptions) => {
      spendKv(budget, 'put');
      checkKey(key);
      checkPutOptions(options);
      return (kv.put as (...a: unknown[]) => unknown)(key, value, options);
    },
    delete: (key: string) => {
      spendKv(budget, 'delete');
      checkKey(key);
      return kv.delete(key);
    },
    list: (options?: KVNamespaceListOptions) => {
      spendKv(budget, 'list');
      return kv.list(options);
    },
  } as unknown as KVNamespace;
}

// --- Queues -----------------------------------------------------------------------------

/** The size Queues counts for a message: its JSON serialization for the json content type (the V8 one is comparable for plain data). */
function messageBytes(body: unknown): number {
  return typeof body === 'string' ? bytes(body) : body instanceof ArrayBuffer ? body.byteLength : bytes(JSON.stringify(body) ?? '');
}

function checkMessage(body: unknown): number {
  const size = messageBytes(body);
  if (size > LIMITS.queueMessageBytes) violate(`a queue message of ${size} bytes (at most ${LIMITS.queueMessageBytes})`);
  return size;
}

export function guardQueue<T>(queue: Queue<T>): Queue<T> {
  return {
    send: (body: T, options?: QueueSendOptions) => {
      checkMessage(body);
      return queue.send(body, options);
    },
    sendBatch: (messages: Iterable<MessageSendRequest<T>>, options?: QueueSendBatchOptions) => {
      const list = [...messages];
      if (list.length > LIMITS.queueBatchMessages) violate(`a sendBatch of ${list.length} messages (at most ${LIMITS.queueBatchMessages})`);
      const total = list.reduce((sum, m) => sum + checkMessage(m.body), 0);
      if (total > LIMITS.queueBatchBytes) violate(`a sendBatch of ${total} bytes (at most ${LIMITS.queueBatchBytes})`);
      return queue.sendBatch(list, options);
    },
  } as Queue<T>;
}

// --- A whole env ------------------------------------------------------------------------

const isD1 = (v: any): v is D1Database => typeof v?.prepare === 'function' && typeof v?.batch === 'function' && typeof v?.withSession === 'function';
const isKv = (v: any): v is KVNamespace => typeof v?.get === 'function' && typeof v?.put === 'function' && typeof v?.list === 'function';
const isQueue = (v: any): v is Queue => typeof v?.send === 'function' && typeof v?.sendBatch === 'function';

/** `env` for one invocation: its D1, KV and Queue bindings (found by shape, doubles included) guarded with one fresh budget. */
export function guardEnv<E extends object>(env: E): E {
  const budget = newBudget();
  const guarded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    guarded[name] = isD1(value) ? guardD1(value, budget) : isKv(value) ? guardKv(value, budget) : isQueue(value) ? guardQueue(value) : value;
  }
  return guarded as E;
}
