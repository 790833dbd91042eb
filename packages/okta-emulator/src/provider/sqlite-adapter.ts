import { DatabaseSync } from 'node:sqlite';
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
  }

  /** The adapter factory oidc-provider's `adapter` option expects, for one namespace. */
  adapterFactory(namespace: string, hooks: Record<string, ModelHooks> = {}): (model: string) => OidcAdapter {
    return (model: string) => this.#adapter(namespace, model, hooks[model] ?? {});
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  #adapter(namespace: string, model: string, hooks: ModelHooks): OidcAdapter {
    const db = this.#db;
    const select = db.prepare(
      'SELECT payload, consumed_at FROM oidc_model WHERE namespace = ? AND model = ? AND id = ? AND (expires_at IS NULL OR expires_at >= ?)',
    );
    const selectBy = (column: 'uid' | 'user_code') =>
      db.prepare(
        `SELECT payload, consumed_at, id FROM oidc_model WHERE namespace = ? AND model = ? AND ${column} = ? AND (expires_at IS NULL OR expires_at >= ?)`,
      );
    const toPayload = (row: Row | undefined, id: string): AdapterPayload | undefined => {
      if (!row) return undefined;
      const payload = JSON.parse(row.payload) as AdapterPayload;
      if (row.consumed_at !== null) payload.consumed = row.consumed_at;
      return hooks.afterFind ? hooks.afterFind(payload, id) : payload;
    };

    return {
      async upsert(id, payload, expiresIn) {
        const expiresAt = typeof expiresIn === 'number' ? epoch() + expiresIn : null;
        db.prepare(
          `INSERT INTO oidc_model (namespace, model, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)
           ON CONFLICT (namespace, model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
             uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`,
        ).run(
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
        return toPayload(select.get(namespace, model, id, epoch()) as Row | undefined, id);
      },
      async findByUid(uid) {
        const row = selectBy('uid').get(namespace, model, uid, epoch()) as (Row & { id: string }) | undefined;
        return toPayload(row, row?.id ?? '');
      },
      async findByUserCode(userCode) {
        const row = selectBy('user_code').get(namespace, model, userCode, epoch()) as (Row & { id: string }) | undefined;
        return toPayload(row, row?.id ?? '');
      },
      async consume(id) {
        // Keep the first consumption time: the refresh-token grace period counts from the rotation.
        db.prepare(
          'UPDATE oidc_model SET consumed_at = COALESCE(consumed_at, ?) WHERE namespace = ? AND model = ? AND id = ?',
        ).run(epoch(), namespace, model, id);
      },
      async destroy(id) {
        db.prepare('DELETE FROM oidc_model WHERE namespace = ? AND model = ? AND id = ?').run(namespace, model, id);
      },
      async revokeByGrantId(grantId) {
        db.prepare('DELETE FROM oidc_model WHERE namespace = ? AND grant_id = ?').run(namespace, grantId);
      },
    };
  }
}
