/**
 * Sessions in bulk for the store-size benchmark, in the stores' real schema (`rows.ts`):
 * - a working set of real sessions, made by the session manager exactly as a sign-in makes them
 *   (cookies that validate), with Okta-sized tokens so rows have their real size;
 * - then filler rows up to the total, one `INSERT … SELECT` in SQL: copies of a real row under fresh
 *   random ids (the shape of a session id, so the primary-key index grows as it would) and spread
 *   over 100k users (so the per-user index does too). Their secrets are unknown: nobody can use them.
 *   They carry no token ciphertext (`tokens` is the only column nobody reads unless the row is
 *   found): a lookup depends on how many keys the indexes hold, which is real, while writing 3 GB of
 *   ciphertext would take minutes of the run. What is not measured: a table too large for RAM.
 */
import pg from 'pg';
import { loadConfig } from '../../packages/auth/src/config/index.ts';
import { createSessionManager } from '../../packages/auth/src/session/manager.ts';
import { openStores } from '../../packages/auth/src/stores/factory.ts';
import { openSqlite } from '../../packages/auth/src/stores/sqlite.ts';
import { SESSION_COLUMNS } from '../../packages/auth/src/stores/shared/session-rows.ts';

// Okta-sized JWTs (~1.3 kB): the encrypted tokens column then has its real size.
const jwt = (label: string) => `eyJhbGciOiJSUzI1NiIsImtpZCI6ImJlbmNoIn0.${label.padEnd(900, 'x')}.${'s'.repeat(342)}`;
// Filler users: many sessions per user, as many users as a large organisation has.
const FILLER_USERS = 100_000;

/**
 * `count` real sessions in the store `env` configures (the server's own configuration, so its
 * SESSION_SECRET decrypts them); returns their `Cookie` headers.
 */
export async function createWorkingSet(env: Record<string, string>, cookieName: string, count: number): Promise<string[]> {
  const config = loadConfig(env, { envFile: false, cwd: env.GATEHOUSE_DATA_DIR ?? process.cwd() });
  const stores = await openStores(config);
  try {
    const sessions = await createSessionManager(config, stores.sessions);
    const cookies: string[] = [];
    for (let i = 0; i < count; i++) {
      const { token } = await sessions.create({
        user: { sub: `00ubench${String(i).padStart(12, '0')}`, email: `bench${i}@gatehouse.test`, name: `Bench User ${i}`, groups: ['viewer', 'Everyone'] },
        roles: ['viewer'],
        claims: { auth_time: Math.floor(Date.now() / 1000), amr: ['pwd'], preferred_username: `bench${i}@gatehouse.test` },
        tokens: { idToken: jwt('id'), accessToken: jwt('access'), refreshToken: 'r'.repeat(40) },
        accessTokenExpiresAt: Date.now() + 3_600_000,
        userAgent: 'Chrome on Linux',
        ip: '127.0.0.0/24',
      });
      cookies.push(`${cookieName}=${token}`);
    }
    return cookies;
  } finally {
    await stores.close();
  }
}

/** What a fill did. */
export interface Fill {
  rows: number;
  seconds: number;
}

// Every column but those made per row, copied from the template row.
const copied = SESSION_COLUMNS.filter((name) => !['id', 'sub', 'user', 'tokens'].includes(name)).map((name) => `"${name}"`);
const columns = ['id', 'sub', 'tokens', ...copied].join(', ');

/** Fills the SQLite file at `databaseUrl` up to `total` sessions (one transaction; WAL lets the server keep reading). */
export function fillSqlite(databaseUrl: string, total: number): Fill {
  const db = openSqlite(databaseUrl);
  try {
    const started = performance.now();
    const have = (db.prepare('SELECT COUNT(*) AS n FROM auth_sessions').get() as { n: number }).n;
    const missing = Math.max(0, total - have);
    if (missing === 0) return { rows: 0, seconds: 0 };
    db.exec('BEGIN');
    // 10 random bytes as 20 hex characters: the length and alphabet of a real id (base64url of 15 bytes).
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :missing)
       INSERT INTO auth_sessions (${columns}, "user")
       SELECT lower(hex(randomblob(10))), '00ufill' || (i % ${FILLER_USERS}), '', ${copied.map((c) => `t.${c}`).join(', ')}, t."user"
       FROM n, (SELECT * FROM auth_sessions ORDER BY created_at DESC LIMIT 1) AS t`,
    ).run({ missing });
    db.exec('COMMIT');
    return { rows: missing, seconds: (performance.now() - started) / 1000 };
  } finally {
    db.close();
  }
}

/** Fills the PostgreSQL database at `url` up to `total` sessions (`generate_series`), then ANALYZEs it as autovacuum would. */
export async function fillPostgres(url: string, total: number): Promise<Fill> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    const { rows } = await client.query<{ n: string }>('SELECT COUNT(*) AS n FROM auth_sessions');
    const missing = Math.max(0, total - Number(rows[0]!.n));
    if (missing > 0) {
      await client.query(
        `INSERT INTO auth_sessions (${columns}, "user")
         SELECT substr(md5(random()::text || i::text), 1, 20), '00ufill' || (i % ${FILLER_USERS}), '', ${copied.map((c) => `t.${c}`).join(', ')}, t."user"
         FROM generate_series(1, $1::int) AS i, (SELECT * FROM auth_sessions ORDER BY created_at DESC LIMIT 1) AS t`,
        [missing],
      );
    }
    // The planner's statistics of the table as it now is, as autovacuum would soon take them.
    await client.query('ANALYZE auth_sessions');
    return { rows: missing, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}
