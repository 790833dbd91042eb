/**
 * The two authorization servers over the emulator's state, built again whenever what they are
 * built from changes: the signing keys (rotated here or by `rotate-keys` in another process) or
 * the apps registered at run time.
 */
import { unwatchFile, watchFile } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { keyFilePath, loadKeys, providerJwks, publicJwks, type KeyFile } from '../keys.ts';
import type { ProviderSetup } from '../provider/base.ts';
import { createDefaultProvider } from '../provider/default-as.ts';
import { createOrgProvider } from '../provider/org-as.ts';
import type { EmulatorLogger } from '../server.ts';
import type { EmulatorState, RunTimeApps } from './state.ts';

/** A Node request listener of one provider. */
export type Listener = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The providers as currently built. */
export interface BuiltProviders {
  default: Provider;
  org: Provider;
  defaultListener: Listener;
  orgListener: Listener;
}

/** The authorization servers of one emulator, and what rebuilds them. */
export interface EmulatorProviders {
  current(): BuiltProviders;
  /** The public JWKS of the current keys (derived once per key set: verifiers cache their imported keys on it). */
  publicJwks(): ReturnType<typeof publicJwks>;
  /** Builds both servers again (after a run-time app change). */
  rebuild(): void;
  /** Loads the key file again; rebuilds when its keys changed. */
  reloadKeys(): Promise<void>;
  /** Stops watching the key file. */
  close(): void;
}

/** Builds both providers over `state`, and rebuilds them when the key file changes. */
export function startProviders(state: EmulatorState, apps: RunTimeApps, orgUrl: string, logger: EmulatorLogger): EmulatorProviders {
  let published = publicJwks(state.keys);
  let built: BuiltProviders;
  const build = () => {
    const setup: ProviderSetup = {
      directory: state.directory,
      store: state.store,
      orgUrl,
      apps: () => apps.list(),
      jwks: providerJwks(state.keys),
      publicJwks: () => published,
      cookieKeys: state.keys.cookieKeys,
    };
    const defaultProvider = createDefaultProvider(setup);
    const orgProvider = createOrgProvider(setup);
    for (const provider of [defaultProvider, orgProvider]) {
      // The error's name and the path only: a message may quote a token or a stored payload, and
      // the query string may hold a code or an id_token_hint.
      provider.on('server_error', (ctx: { method?: string; path?: string } | undefined, error: Error) =>
        logger.error(`oidc-provider server error: ${error.name} at ${ctx?.method ?? '?'} ${ctx?.path ?? '?'}`),
      );
    }
    built = { default: defaultProvider, org: orgProvider, defaultListener: defaultProvider.callback(), orgListener: orgProvider.callback() };
  };
  build();

  const reloadKeys = async () => {
    const next = await loadKeys(state.dataDir);
    const kids = (file: KeyFile) => file.keys.map((key) => key.jwk.kid).join(',');
    if (kids(next) === kids(state.keys)) return;
    state.keys = next;
    published = publicJwks(state.keys);
    build();
    logger.info(`signing keys reloaded; signing with kid ${state.keys.keys[0]?.jwk.kid}`);
  };
  // Picks up `rotate-keys` run from another process against the same data directory.
  const onKeyFileChange = () => {
    reloadKeys().catch((error: Error) => logger.error(`could not reload signing keys: ${error.message}`));
  };
  watchFile(keyFilePath(state.dataDir), { interval: 1000 }, onKeyFileChange);

  return {
    current: () => built,
    publicJwks: () => published,
    rebuild: build,
    reloadKeys,
    close: () => unwatchFile(keyFilePath(state.dataDir), onKeyFileChange),
  };
}
