import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { join } from 'node:path';

/** A payload as oidc-provider hands it to an adapter (see its `lib/adapters/memory_adapter.js`). */
export type AdapterPayload = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
};

/** The adapter contract oidc-provider calls for every model (Session, Grant, RefreshToken, …). */
export interface OidcAdapter {
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** Hooks that let a provider adjust what one model's `find` returns (refresh grace, JWT access tokens). */
export interface ModelHooks {
  /** Rewrites a found payload; returning undefined hides it. */
  afterFind?(payload: AdapterPayload, id: string): AdapterPayload | undefined;
  /** Maps a presented value to the stored id (e.g. a JWT access token to its `jti`). */
  resolveId?(value: string): Promise<string | undefined>;
}

interface Row {
  payload: string;
  consumed_at: number | null;
}

const epoch = (): number => Math.floor(Date.now() / 1000);

/**
 * oidc-provider's models (sessions, interactions, grants, codes, refresh tokens, …) in one SQLite
 * file, so a restart of the emulator loses nothing. One store serves several providers, each in
 * its own namespace.
 *
 * @see https://github.com/panva/node-oidc-provider/blob/main/example/my_adapter.js (adapter contract)
 */
export class OidcStore {
  readonly #db: DatabaseSync;
  readonly #sql: Record<'upsert' | 'select' | 'selectByUid' | 'selectByUserCode' | 'consume' | 'destroy' | 'revokeByGrantId', StatementSync>;

  constructor(dataDir: string) {
    this.#db = new DatabaseSync(join(dataDir, 'oidc.sqlite'));
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS oidc_model (
        namespace TEXT NOT NULL,
        model TEXT NOT NULL,
        id TEXT NOT NULL,
        payload TEXT NOT NULL,
        grant_id TEXT,
        uid TEXT,
        user_code TEXT,
        expires_at INTEGER,
        consumed_at INTEGER,
        PRIMARY KEY (namespace, model, id)
      );
      CREATE INDEX IF NOT EXISTS oidc_model_grant ON oidc_model (namespace, grant_id);
      CREATE INDEX IF NOT EXISTS oidc_model_uid ON oidc_model (namespace, model, uid);
    `);
    this.#db.prepare('DELETE FROM oidc_model WHERE expires_at IS NOT NULL AND expires_at < ?').run(epoch());
    // Prepared once: oidc-provider calls the adapters on every request.
    const live = '(expires_at IS NULL OR expires_at >= ?)';
    this.#sql = {
      upsert: this.#db.prepare(
        `INSERT INTO oidc_model (namespace, model, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)
         ON CONFLICT (namespace, model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
           uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`,
      ),
      select: this.#db.prepare(`SELECT payload, consumed_at FROM oidc_model WHERE namespace = ? AND model = ? AND id = ? AND ${live}`),
      selectByUid: this.#db.prepare(`SELECT payload, consumed_at, id FROM oidc_model WHERE namespace = ? AND model = ? AND uid = ? AND ${live}`),
      selectByUserCode: this.#db.prepare(
        `SELECT payload, consumed_at, id FROM oidc_model WHERE namespace = ? AND model = ? AND user_code = ? AND ${live}`,
      ),
      // Keep the first consumption time: the refresh-token grace period counts from the rotation.
      consume: this.#db.prepare('UPDATE oidc_model SET consumed_at = COALESCE(consumed_at, ?) WHERE namespace = ? AND model = ? AND id = ?'),
      destroy: this.#db.prepare('DELETE FROM oidc_model WHERE namespace = ? AND model = ? AND id = ?'),
      revokeByGrantId: this.#db.prepare('DELETE FROM oidc_model WHERE namespace = ? AND grant_id = ?'),
    };
  }

  /** The adapter factory oidc-provider's `adapter` option expects, for one namespace. */
  adapterFactory(namespace: string, hooks: Record<string, ModelHooks> = {}): (model: string) => OidcAdapter {
    return (model: string) => this.#adapter(namespace, model, hooks[model] ?? {});
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  #adapter(namespace: string, model: string, hooks: ModelHooks): OidcAdapter {
    const sql = this.#sql;
    const toPayload = (row: Row | undefined, id: string): AdapterPayload | undefined => {
      if (!row) return undefined;
      const payload = JSON.parse(row.payload) as AdapterPayload;
      if (row.consumed_at !== null) payload.consumed = row.consumed_at;
      return hooks.afterFind ? hooks.afterFind(payload, id) : payload;
    };
    const findBy = (statement: StatementSync, value: string) => {
      const row = statement.get(namespace, model, value, epoch()) as (Row & { id: string }) | undefined;
      return toPayload(row, row?.id ?? '');
    };

    return {
      async upsert(id, payload, expiresIn) {
        const expiresAt = typeof expiresIn === 'number' ? epoch() + expiresIn : null;
        sql.upsert.run(
          namespace,
          model,
          id,
          JSON.stringify(payload),
          payload.grantId ?? null,
          payload.uid ?? null,
          payload.userCode ?? null,
          expiresAt,
        );
      },
      async find(value) {
        const id = hooks.resolveId ? await hooks.resolveId(value) : value;
        if (id === undefined) return undefined;
        return toPayload(sql.select.get(namespace, model, id, epoch()) as Row | undefined, id);
      },
      async findByUid(uid) {
        return findBy(sql.selectByUid, uid);
      },
      async findByUserCode(userCode) {
        return findBy(sql.selectByUserCode, userCode);
      },
      async consume(id) {
        sql.consume.run(epoch(), namespace, model, id);
      },
      async destroy(id) {
        sql.destroy.run(namespace, model, id);
      },
      async revokeByGrantId(grantId) {
        sql.revokeByGrantId.run(namespace, grantId);
      },
    };
  }
}
