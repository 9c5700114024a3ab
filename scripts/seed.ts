// `npm run seed -- --project <id> --users <N>`: fills the LOCAL D1 database with N
// realistic users, fast. Pending migrations are applied (to every shard) and the project
// is created through wrangler where `project create` would put it (--shard chooses, as
// there; scripts/lib/projects.ts); the users then go straight into the local sqlite file
// of the project's shard (node:sqlite) in large transactions of multi-row INSERTs, so the
// users_fts and user_count triggers fire for every row exactly as they do for the
// Worker's inserts. Stop `npm start` / `wrangler dev` on the same state first: two
// processes must not write the file at once.
//
//   npm run seed -- --project <id> --users <N> [--persist-to <dir>] [--password <pw>] [--json]
//                   [--shard <binding>] [--config <wrangler.toml>]
//
// Every seeded user gets the same password (default "password123"; its argon2id hash is
// computed once with src/domain/passwords.ts), a first+last name from small word lists,
// an email first.last<n>@<one of a few domains>, and a registration time spread evenly
// over the last three years; ids are time-ordered lower hex like src/domain/ids.ts.
import { parseArgs } from 'node:util';
import { SECOND, userKey } from '../src/domain/ids.ts';
import { searchText } from '../src/domain/search.ts';
import { createProject, findProjectRow } from './lib/projects.ts';
import { applyMigrations, configuredShards, openLocalD1, type Target } from './lib/tools.ts';

const USAGE =
  'usage: npm run seed -- --project <id> --users <N> [--persist-to <dir>] [--password <pw>] [--json] [--shard <binding>] [--config <wrangler.toml>]';

const FIRST_NAMES = [
  'james',
  'mary',
  'john',
  'patricia',
  'robert',
  'jennifer',
  'michael',
  'linda',
  'william',
  'elizabeth',
  'david',
  'barbara',
  'richard',
  'susan',
  'joseph',
  'jessica',
  'thomas',
  'sarah',
  'charles',
  'karen',
  'daniel',
  'nancy',
  'matthew',
  'lisa',
  'anthony',
  'betty',
  'mark',
  'margaret',
  'donald',
  'sandra',
  'steven',
  'ashley',
  'paul',
  'kimberly',
  'andrew',
  'emily',
  'joshua',
  'donna',
  'kenneth',
  'michelle',
  'kevin',
  'carol',
  'brian',
  'amanda',
  'george',
  'melissa',
  'timothy',
  'deborah',
  'ronald',
  'stephanie',
  'jason',
  'rebecca',
  'edward',
  'sharon',
  'jeffrey',
  'laura',
  'ryan',
  'cynthia',
  'jacob',
  'kathleen',
  'gary',
  'amy',
  'nicholas',
  'angela',
  'eric',
  'shirley',
  'jonathan',
  'anna',
  'stephen',
  'brenda',
  'larry',
  'pamela',
  'justin',
  'emma',
  'scott',
  'nicole',
  'brandon',
  'helen',
  'benjamin',
  'samantha',
  'samuel',
  'katherine',
  'gregory',
  'christine',
  'alexander',
  'debra',
  'frank',
  'rachel',
  'patrick',
  'carolyn',
  'raymond',
  'janet',
  'jack',
  'catherine',
  'dennis',
  'maria',
  'jerry',
  'heather',
  'tyler',
  'diane',
  'aaron',
  'julie',
  'jose',
  'joyce',
  'adam',
  'victoria',
  'henry',
  'kelly',
  'nathan',
  'christina',
  'zachary',
  'joan',
  'kyle',
  'evelyn',
  'walter',
  'lauren',
  'peter',
  'judith',
  'harold',
  'olivia',
  'jeremy',
  'martha',
  'ethan',
  'cheryl',
  'carl',
  'megan',
  'keith',
  'andrea',
  'roger',
  'hannah',
  'gerald',
  'jacqueline',
  'christian',
  'ann',
  'terry',
  'jean',
  'sean',
  'alice',
  'arthur',
  'kathryn',
  'austin',
  'gloria',
  'noah',
  'teresa',
  'lawrence',
  'doris',
  'jesse',
  'sara',
  'joe',
  'janice',
  'bryan',
  'julia',
  'billy',
  'marie',
  'jordan',
  'madison',
  'albert',
  'grace',
  'dylan',
  'judy',
  'bruce',
  'theresa',
  'willie',
  'beverly',
  'gabriel',
  'denise',
  'alan',
  'marilyn',
  'juan',
  'amber',
  'logan',
  'danielle',
  'wayne',
  'abigail',
  'ralph',
  'brittany',
  'roy',
  'rose',
  'eugene',
  'diana',
  'randy',
  'natalie',
  'vincent',
  'sophia',
  'russell',
  'alexis',
  'louis',
  'lori',
  'philip',
  'kayla',
  'bobby',
  'jane',
  'johnny',
  'lena',
  'bradley',
  'mia',
  'yuki',
  'wei',
  'amara',
  'lars',
];

const LAST_NAMES = [
  'smith',
  'johnson',
  'williams',
  'brown',
  'jones',
  'garcia',
  'miller',
  'davis',
  'rodriguez',
  'martinez',
  'hernandez',
  'lopez',
  'gonzalez',
  'wilson',
  'anderson',
  'thomas',
  'taylor',
  'moore',
  'jackson',
  'martin',
  'lee',
  'perez',
  'thompson',
  'white',
  'harris',
  'sanchez',
  'clark',
  'ramirez',
  'lewis',
  'robinson',
  'walker',
  'young',
  'allen',
  'king',
  'wright',
  'scott',
  'torres',
  'nguyen',
  'hill',
  'flores',
  'green',
  'adams',
  'nelson',
  'baker',
  'hall',
  'rivera',
  'campbell',
  'mitchell',
  'carter',
  'roberts',
  'gomez',
  'phillips',
  'evans',
  'turner',
  'diaz',
  'parker',
  'cruz',
  'edwards',
  'collins',
  'reyes',
  'stewart',
  'morris',
  'morales',
  'murphy',
  'cook',
  'rogers',
  'gutierrez',
  'ortiz',
  'morgan',
  'cooper',
  'peterson',
  'bailey',
  'reed',
  'kelly',
  'howard',
  'ramos',
  'kim',
  'cox',
  'ward',
  'richardson',
  'watson',
  'brooks',
  'chavez',
  'wood',
  'james',
  'bennett',
  'gray',
  'mendoza',
  'ruiz',
  'hughes',
  'price',
  'alvarez',
  'castillo',
  'sanders',
  'patel',
  'myers',
  'long',
  'ross',
  'foster',
  'jimenez',
  'müller',
  'schmidt',
  'schneider',
  'fischer',
  'weber',
  'meyer',
  'wagner',
  'becker',
  'schulz',
  'hoffmann',
  'dubois',
  'lefebvre',
  'moreau',
  'laurent',
  'rossi',
  'russo',
  'ferrari',
  'esposito',
  'bianchi',
  'romano',
  'tanaka',
  'suzuki',
  'takahashi',
  'watanabe',
  'ito',
  'yamamoto',
  'nakamura',
  'kobayashi',
  'chen',
  'wang',
  'li',
  'zhang',
  'liu',
  'yang',
  'huang',
  'zhao',
  'wu',
  'zhou',
  'xu',
  'sun',
  'silva',
  'santos',
  'oliveira',
  'souza',
  'pereira',
  'costa',
  'almeida',
  'nowak',
  'kowalski',
  'novak',
  'jensen',
  'nielsen',
  'hansen',
  'andersen',
  'larsen',
  'johansson',
  'karlsson',
  'nilsson',
  'eriksson',
  'olsen',
];

/** Domains and their weights: a few big providers and a long tail of company domains. */
const DOMAINS: Array<[string, number]> = [
  ['gmail.com', 30],
  ['outlook.com', 15],
  ['yahoo.com', 10],
  ['icloud.com', 8],
  ['proton.me', 4],
  ['example.com', 8],
  ['example.org', 5],
  ['acme.test', 6],
  ['globex.test', 5],
  ['initech.test', 4],
  ['umbrella.test', 3],
  ['hooli.test', 2],
];

const THREE_YEARS = 3 * 365 * 24 * 3600;
const ROWS_PER_STATEMENT = 200;
const ROWS_PER_TRANSACTION = 50_000;

/** A small deterministic PRNG (mulberry32), so a seed with the same arguments makes the same names. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const capitalize = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
// ASCII local parts only (the API's email rule); "müller" becomes "muller".
const ascii = (w: string) => w.normalize('NFKD').replace(/[^a-z]/g, '');

interface SeedOptions {
  projectId: string;
  users: number;
  persistTo?: string;
  password: string;
  json: boolean;
  /** The shard of a new project (default: the one `project create` chooses). */
  shard?: string;
  config?: string;
}

interface SeedResult {
  projectId: string;
  projectSeq: number;
  shard: string;
  inserted: number;
  userCount: number;
  seconds: number;
  usersPerSecond: number;
  hashSeconds: number;
  database: string;
  password: string;
}

async function seed(options: SeedOptions): Promise<SeedResult> {
  const target: Target = { remote: false, persistTo: options.persistTo, config: options.config };
  const log = (message: string) => (options.json ? console.error(message) : console.log(message));
  await applyMigrations(target);
  const existing = findProjectRow(options.projectId, target)?.shard;
  if (existing && options.shard && existing !== options.shard) throw new Error(`project ${options.projectId} lives on shard ${existing}, not ${options.shard}`);
  // Also completes a project whose shard lacks its own row (a create cut short).
  const shard = await createProject(options.projectId, options.projectId, [], target, options.shard);
  if (!existing) log(`created project ${options.projectId} on shard ${shard}`);

  const hashStarted = performance.now();
  const passwordHash = await hashOnce(options.password);
  const hashSeconds = (performance.now() - hashStarted) / 1000;

  const shardConfig = (await configuredShards(target)).find((s) => s.binding === shard)!;
  const { db, path } = await openLocalD1(options.persistTo, options.projectId, { shard: shardConfig });
  try {
    const project = db.prepare('SELECT seq, user_count AS userCount FROM projects WHERE id = ?').get(options.projectId) as
      { seq: number; userCount: number } | undefined;
    if (!project) throw new Error(`project ${options.projectId} is not in ${path}`);
    // Numbers in emails continue from the users already there, so seeding twice adds more users.
    const base = (db.prepare('SELECT count(*) AS n FROM users WHERE project_id = ?').get(options.projectId) as { n: number }).n;

    const random = prng(base * 7919 + 17);
    const domainTotal = DOMAINS.reduce((sum, [, w]) => sum + w, 0);
    const pickDomain = () => {
      let r = random() * domainTotal;
      for (const [domain, weight] of DOMAINS) if ((r -= weight) < 0) return domain;
      return DOMAINS[0]![0];
    };
    const now = Math.floor(Date.now() / 1000);
    const start = now - THREE_YEARS;
    let lastSeq = 0;

    const columns = '(seq, id, project_id, email, email_key, name, password_hash, status, email_verification, registration, search_text)';
    const tuple = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
    const statementFor = (rows: number) => db.prepare(`INSERT INTO users ${columns} VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`);
    const full = statementFor(ROWS_PER_STATEMENT);

    // A bulk load: a big page cache, and no fsync per commit (a crash mid-seed loses
    // only the seed, which is rerun). Both last only for this connection.
    db.exec('PRAGMA cache_size = -262144');
    db.exec('PRAGMA synchronous = OFF');
    const started = performance.now();
    let done = 0;
    let lastReport = started;
    db.exec('BEGIN');
    try {
      const params: Array<string | number> = [];
      for (let i = 0; i < options.users; i++) {
        const n = base + i;
        const first = FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)]!;
        const last = LAST_NAMES[Math.floor(random() * LAST_NAMES.length)]!;
        const name = `${capitalize(first)} ${capitalize(last)}`;
        const email = `${ascii(first)}.${ascii(last)}${n}@${pickDomain()}`;
        // Spread evenly over three years, in insertion order, with jitter inside each slot.
        const registration = start + Math.floor(((i + random()) * THREE_YEARS) / options.users);
        // Keys as src/domain/ids.ts makes them: rowid order is (registration, $id) order.
        const key = userKey(Math.max(registration * SECOND, lastSeq + 1));
        lastSeq = key.seq;
        params.push(
          key.seq,
          key.id,
          options.projectId,
          email,
          email.toLowerCase(),
          name,
          passwordHash,
          random() < 0.02 ? 2 : random() < 0.3 ? 1 : 0,
          random() < 0.5 ? 1 : 0,
          key.registration,
          searchText(project.seq, name, email),
        );
        if (params.length === ROWS_PER_STATEMENT * 11) {
          full.run(...params);
          params.length = 0;
        }
        done = i + 1;
        if (done % ROWS_PER_TRANSACTION === 0) {
          db.exec('COMMIT');
          db.exec('BEGIN');
          const t = performance.now();
          if (t - lastReport > 2000) {
            lastReport = t;
            log(`  ${done.toLocaleString('en')} users, ${Math.round(done / ((t - started) / 1000)).toLocaleString('en')} users/s`);
          }
        }
      }
      if (params.length > 0) statementFor(params.length / 11).run(...params);
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const seconds = (performance.now() - started) / 1000;
    const after = db.prepare('SELECT user_count AS userCount FROM projects WHERE id = ?').get(options.projectId) as { userCount: number };
    return {
      projectId: options.projectId,
      projectSeq: project.seq,
      shard,
      inserted: done,
      userCount: after.userCount,
      seconds,
      usersPerSecond: Math.round(done / seconds),
      hashSeconds,
      database: path,
      password: options.password,
    };
  } finally {
    db.close();
  }
}

/** The PHC hash of `password`, made by the service's own hashPassword (src/domain/passwords.ts). */
async function hashOnce(password: string): Promise<string> {
  const [{ hashPassword }, { OFFLINE }] = await Promise.all([import('../src/domain/passwords.ts'), import('../src/domain/hash-admission.ts')]);
  return hashPassword(password, OFFLINE);
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      project: { type: 'string' },
      users: { type: 'string', default: '1000' },
      'persist-to': { type: 'string' },
      password: { type: 'string', default: 'password123' },
      json: { type: 'boolean', default: false },
      shard: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const users = Number(values.users);
  if (values.help || !values.project || !Number.isSafeInteger(users) || users < 0) {
    console.error(USAGE);
    process.exitCode = 1;
    return;
  }
  const result = await seed({
    projectId: values.project,
    users,
    persistTo: values['persist-to'],
    password: values.password,
    json: values.json,
    shard: values.shard,
    config: values.config,
  });
  if (values.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(
      `seeded ${result.inserted.toLocaleString('en')} users into project ${result.projectId} (shard ${result.shard}) in ${result.seconds.toFixed(1)} s ` +
        `(${result.usersPerSecond.toLocaleString('en')} users/s); project now has ${result.userCount.toLocaleString('en')} users\n` +
        `password of every seeded user: ${result.password}\ndatabase: ${result.database}`,
    );
  }
}

try {
  await main(process.argv.slice(2));
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
