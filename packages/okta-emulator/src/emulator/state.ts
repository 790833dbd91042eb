/**
 * What a running emulator holds: its data directory (a temporary one unless given), the directory
 * of users, groups and apps, the OIDC store, the signing keys — and what tests register for one run
 * only (extra redirect URIs, logout endpoints), layered over the directory's apps.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Directory } from '../directory/directory.ts';
import { loadSeed } from '../directory/seed.ts';
import type { DirectorySeed, OidcApp } from '../directory/types.ts';
import { loadKeys, type KeyFile } from '../keys.ts';
import type { SubjectFormat, UniversalLogoutEndpoint } from '../logout/universal-logout.ts';
import { OidcStore } from '../provider/sqlite-adapter.ts';

/** The emulator's persistent state, opened from its data directory. */
export interface EmulatorState {
  dataDir: string;
  directory: Directory;
  store: OidcStore;
  /** The signing keys and cookie keys as last loaded (replaced when the key file changes). */
  keys: KeyFile;
  /** Closes the store and the directory; removes the data directory when it was a temporary one. */
  close(): void;
}

/** Opens the data directory (`dataDir`, or a fresh temporary one), the directory from `seed`, the OIDC store and the keys. */
export async function openState(options: { dataDir?: string | undefined; seed?: DirectorySeed | string | undefined }): Promise<EmulatorState> {
  const temporary = options.dataDir === undefined;
  const dataDir = temporary ? mkdtempSync(join(tmpdir(), 'okta-emulator-')) : resolve(options.dataDir as string);
  mkdirSync(dataDir, { recursive: true });
  const removeTemporary = () => {
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const seed = typeof options.seed === 'object' ? options.seed : loadSeed(options.seed);
    const directory = Directory.open({ dataDir, seed });
    const store = new OidcStore(dataDir);
    const keys = await loadKeys(dataDir);
    return {
      dataDir,
      directory,
      store,
      keys,
      close() {
        store.close();
        directory.close();
        removeTemporary();
      },
    };
  } catch (error) {
    removeTemporary();
    throw error;
  }
}

/** Redirect URIs and logout endpoints registered for this run only, over the directory's apps. */
export class RunTimeApps {
  readonly #directory: Directory;
  readonly #addedUris = new Map<string, { redirectUris: string[]; postLogoutRedirectUris: string[] }>();
  readonly #backchannelUris = new Map<string, string>();
  readonly #universalLogout = new Map<string, UniversalLogoutEndpoint>();

  constructor(directory: Directory) {
    this.#directory = directory;
  }

  /** The directory's apps with what was registered at run time. */
  list(): OidcApp[] {
    return this.#directory.listApps().map((app) => {
      const added = this.#addedUris.get(app.clientId);
      const backchannel = this.#backchannelUris.get(app.clientId);
      const withUris = added
        ? { ...app, redirectUris: [...app.redirectUris, ...added.redirectUris], postLogoutRedirectUris: [...app.postLogoutRedirectUris, ...added.postLogoutRedirectUris] }
        : app;
      return backchannel ? { ...withUris, backchannelLogoutUri: backchannel } : withUris;
    });
  }

  /** The Universal Logout endpoints registered so far. */
  universalLogoutEndpoints(): UniversalLogoutEndpoint[] {
    return [...this.#universalLogout.values()];
  }

  /** See `Emulator.addRedirectUris`. */
  addRedirectUris(clientId: string, uris: { redirectUris?: string[]; postLogoutRedirectUris?: string[] }): void {
    if (!this.#directory.getApp(clientId)) throw new TypeError(`addRedirectUris: no app with client id ${clientId}`);
    const all = [...(uris.redirectUris ?? []), ...(uris.postLogoutRedirectUris ?? [])];
    for (const uri of all) {
      if (!URL.canParse(uri) || new URL(uri).hash) throw new TypeError(`addRedirectUris: ${uri} is not an absolute URI without fragment`);
    }
    const current = this.#addedUris.get(clientId) ?? { redirectUris: [], postLogoutRedirectUris: [] };
    current.redirectUris.push(...(uris.redirectUris ?? []));
    current.postLogoutRedirectUris.push(...(uris.postLogoutRedirectUris ?? []));
    this.#addedUris.set(clientId, current);
  }

  /** See `Emulator.setLogoutEndpoints`. */
  setLogoutEndpoints(clientId: string, endpoints: { backchannelLogoutUri?: string; universalLogout?: { uri: string; subjectFormat: SubjectFormat } }): void {
    if (!this.#directory.getApp(clientId)) throw new TypeError(`setLogoutEndpoints: no app with client id ${clientId}`);
    for (const uri of [endpoints.backchannelLogoutUri, endpoints.universalLogout?.uri]) {
      if (uri !== undefined && !URL.canParse(uri)) throw new TypeError(`setLogoutEndpoints: ${uri} is not an absolute URI`);
    }
    if (endpoints.backchannelLogoutUri) this.#backchannelUris.set(clientId, endpoints.backchannelLogoutUri);
    if (endpoints.universalLogout) this.#universalLogout.set(clientId, { clientId, ...endpoints.universalLogout });
  }
}
