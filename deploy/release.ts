/**
 * What `npm run deploy` does, step by step, each step stopping with the value to fix before the
 * next touches anything: values (files, then the app's own variables from the environment, then
 * `--set`), the chart rendered by the real helm and validated (values.schema.json, the templates'
 * own refusals, the Kubernetes schemas, the app's config loader on what the pod would get), the
 * kube context, the issuer's discovery document, existing Secrets and their keys, then
 * `helm upgrade --install --wait` and `/readyz` through the release's Service (or its Ingress).
 * The CLI is scripts/deploy.ts.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '@gatehouse/auth/config';
import { chartDir, find, renderRelease, container, isMap, type Manifest, type Values } from './checks.ts';
import { helmBinary, kubectlBinary } from './binaries.ts';
import { unknownFields, validateManifests } from './kube-schema.ts';

/** A failure the operator can fix: `message` says what and how; nothing was changed in the cluster unless `touched`. */
export class DeployError extends Error {
  constructor(message: string, readonly touched = false) {
    super(message);
  }
}

/** Options of one deploy, from the command line. */
export interface DeployOptions {
  release: string;
  namespace: string;
  valuesFiles: string[];
  set: string[];
  dryRun: boolean;
  /** helm's --timeout for --wait, e.g. `5m`. */
  timeout: string;
}

/**
 * The app's variables `npm run deploy` takes from its environment, and the chart value each one
 * sets; secrets go to a 0600 values file, never to the command line. Every name here is a
 * variable of the config schema (checked by deploy/command.test.ts).
 */
export const ENVIRONMENT_VALUES: Record<string, { path: string; list?: true; number?: true; secret?: true }> = {
  APP_BASE_URL: { path: 'config.appBaseUrl' },
  OKTA_ISSUER: { path: 'config.okta.issuer' },
  OKTA_DOMAIN: { path: 'config.okta.domain' },
  OKTA_CLIENT_ID: { path: 'config.okta.clientId' },
  GATEHOUSE_ADMIN_GROUPS: { path: 'config.roles.adminGroups', list: true },
  GATEHOUSE_VIEWER_GROUPS: { path: 'config.roles.viewerGroups', list: true },
  TRUST_PROXY_HOPS: { path: 'config.trustProxyHops', number: true },
  LOG_LEVEL: { path: 'config.logLevel' },
  OKTA_CLIENT_SECRET: { path: 'secrets.oktaClientSecret', secret: true },
  SESSION_SECRET: { path: 'secrets.sessionSecret', secret: true },
  OKTA_API_TOKEN: { path: 'secrets.oktaApiToken', secret: true },
  DATABASE_URL: { path: 'secrets.databaseUrl', secret: true },
  REDIS_URL: { path: 'secrets.redisUrl', secret: true },
};

function setPath(target: Values, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isMap(node[key])) node[key] = {};
    node = node[key] as Values;
  }
  node[keys.at(-1)!] = value;
}

/** Chart values from the app's variables in `env` (only those set and not blank). */
export function valuesFromEnvironment(env: Record<string, string | undefined>): Values {
  const values: Values = {};
  for (const [name, { path: to, list, number }] of Object.entries(ENVIRONMENT_VALUES)) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    if (number && !/^\d+$/.test(raw)) throw new DeployError(`${name}=${raw} is not a whole number (it sets ${to})`);
    setPath(values, to, list ? raw.split(',').map((g) => g.trim()).filter(Boolean) : number ? Number(raw) : raw);
  }
  return values;
}

/** Runs a tool; resolves its exit code and output (never throws for a non-zero exit). */
function tool(binary: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Helm's own error line, without its "Use --debug" hint. */
const helmError = (stderr: string) => stderr.split('\n').filter((l) => l.trim() && !/^Use --debug/.test(l) && !/funcMap fail/.test(l)).join('\n');

/** Stand-ins for secrets kept in an existing Secret, which the chart cannot see: valid in form, never sent anywhere. */
const STAND_INS: Record<string, () => string> = {
  DATABASE_URL: () => 'postgres://stand-in@postgres.invalid:5432/gatehouse',
  REDIS_URL: () => 'redis://redis.invalid:6379/0',
};
const standIn = (name: string) => STAND_INS[name]?.() ?? randomBytes(36).toString('base64url');

/**
 * Runs the app's config loader on what a pod would get from the rendered chart: the ConfigMap as
 * its environment, each NAME_FILE pointing at a file holding the chart-made Secret's value, or a
 * stand-in for a key of an existing Secret. Throws naming every variable the app would refuse.
 */
function checkAppConfig(manifests: Manifest[]): void {
  const env: Record<string, string> = { ...find(manifests, 'ConfigMap')?.data };
  const made = find(manifests, 'Secret')?.data ?? {};
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-deploy-'));
  try {
    for (const entry of (container(manifests).env ?? []) as Array<{ name: string; value?: string }>) {
      if (!entry.name.endsWith('_FILE') || !entry.value) continue;
      const key = path.basename(entry.value);
      const value = made[key] === undefined ? standIn(key) : Buffer.from(made[key], 'base64').toString('utf8');
      fs.writeFileSync(path.join(dir, key), value, { mode: 0o600 });
      env[entry.name] = path.join(dir, key);
    }
    loadConfig(env, { envFile: false, cwd: dir });
  } catch (error) {
    if (error instanceof ConfigError) throw new DeployError(`the app would refuse this configuration at start-up:\n${error.message}`);
    throw error;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Renders with helm and validates; resolves the manifests, or throws naming the value to fix. */
export async function renderAndValidate(options: DeployOptions, valuesFiles: string[]): Promise<Manifest[]> {
  const { code, manifests, stderr } = await renderRelease({ name: options.release, namespace: options.namespace }, [...valuesFiles.map((f) => path.resolve(f)), ...options.set.map((s) => `--set=${s}`)]);
  if (code !== 0) {
    const message = helmError(stderr);
    const hints = Object.entries(ENVIRONMENT_VALUES).filter(([, v]) => message.includes(v.path) || message.includes(`/${v.path.replaceAll('.', '/')}`)).map(([name, v]) => `${v.path} can also come from ${name} in the environment`);
    throw new DeployError(`the chart refused these values:\n${message}${hints.length ? `\n(${hints.join('; ')})` : ''}`);
  }
  const problems = [...(await validateManifests(manifests)), ...unknownFields(manifests)];
  if (problems.length > 0) throw new DeployError(`the rendered objects are not valid Kubernetes objects:\n${problems.join('\n')}`);
  checkAppConfig(manifests);
  return manifests;
}

/** The current kube context, or a DeployError saying how to get one. */
export async function kubeContext(): Promise<string> {
  const { code, stdout, stderr } = await tool(kubectlBinary(), ['config', 'current-context']);
  if (code !== 0 || !stdout.trim()) {
    throw new DeployError(
      `no Kubernetes context: ${helmError(stderr).replace(/^error: /, '') || 'none is selected'}.\n` +
        'Point KUBECONFIG at your cluster\'s kubeconfig and select a context (kubectl config use-context NAME), or use --dry-run to render and validate without a cluster.',
    );
  }
  return stdout.trim();
}

/** Fetches the issuer's discovery document and checks that it names this exact issuer. */
export async function checkIssuer(issuer: string): Promise<void> {
  const url = `${issuer}/.well-known/openid-configuration`;
  let response: Response;
  try {
    // 10 s: discovery answers in well under a second; anything slower is a network problem to report.
    response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'manual' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new DeployError(`cannot reach the issuer ${issuer} (${cause}): check config.okta.issuer / OKTA_ISSUER (e.g. https://dev-123456.okta.com/oauth2/default) and that this machine can reach it`);
  }
  const body = response.ok ? ((await response.json().catch(() => null)) as { issuer?: unknown } | null) : null;
  if (!body || typeof body.issuer !== 'string') {
    throw new DeployError(`${url} answered ${response.status} without a discovery document: config.okta.issuer is not an authorization server's issuer (an Okta issuer looks like https://dev-123456.okta.com/oauth2/default)`);
  }
  if (body.issuer !== issuer) throw new DeployError(`wrong issuer: ${url} names its issuer ${body.issuer}, not ${issuer}; set config.okta.issuer / OKTA_ISSUER to exactly ${body.issuer}`);
}

/** The Secrets the Deployment mounts that the chart does not make: each must exist with the keys the pod mounts. */
export async function checkExistingSecrets(manifests: Manifest[], namespace: string): Promise<void> {
  const made = new Set(manifests.filter((m) => m.kind === 'Secret').map((m) => m.metadata.name));
  const volumes = (find(manifests, 'Deployment')!.spec!.template as { spec: { volumes: Values[] } }).spec.volumes;
  const needed = new Map<string, string[]>();
  for (const volume of volumes) {
    const sources: Values[] = isMap(volume.secret) ? [{ secret: volume.secret }] : ((volume.projected as { sources?: Values[] } | undefined)?.sources ?? []);
    for (const source of sources) {
      const secret = source.secret as { secretName?: string; name?: string; items?: Array<{ key: string }> } | undefined;
      const name = secret?.secretName ?? secret?.name;
      if (!name || made.has(name)) continue;
      needed.set(name, [...(needed.get(name) ?? []), ...(secret!.items ?? []).map((i) => i.key)]);
    }
  }
  for (const [name, keys] of needed) {
    const { code, stdout, stderr } = await tool(kubectlBinary(), ['get', 'secret', name, '--namespace', namespace, '-o', 'json']);
    if (code !== 0) {
      if (/NotFound/.test(stderr)) throw new DeployError(`missing secret: ${namespace}/${name} does not exist. Create it first with the keys ${keys.join(', ')} (docs/deploy.md, "Secrets: which key goes where").`);
      throw new DeployError(`cannot read the Secret ${namespace}/${name}: ${helmError(stderr)}`);
    }
    const data = (JSON.parse(stdout) as { data?: Record<string, string> }).data ?? {};
    const missing = keys.filter((k) => !(k in data));
    if (missing.length > 0) throw new DeployError(`missing secret keys: the Secret ${namespace}/${name} has no ${missing.join(', ')}; add them (kubectl -n ${namespace} edit secret ${name}).`);
  }
}

/** `helm upgrade --install --wait`, then `/readyz` through the Service (API server proxy) or the Ingress. */
export async function install(options: DeployOptions, valuesFiles: string[], manifests: Manifest[]): Promise<string> {
  const args = ['upgrade', '--install', options.release, chartDir, '--namespace', options.namespace, '--create-namespace', '--wait', '--timeout', options.timeout,
    ...valuesFiles.flatMap((f) => ['-f', f]), ...options.set.flatMap((s) => ['--set', s])];
  const result = await tool(helmBinary(), args);
  if (result.code !== 0) throw new DeployError(`helm upgrade --install failed:\n${helmError(result.stderr)}\nkubectl -n ${options.namespace} get pods,events shows why pods are not ready.`, true);
  const service = find(manifests, 'Service')!.metadata.name;
  const ready = await tool(kubectlBinary(), ['get', '--raw', `/api/v1/namespaces/${options.namespace}/services/http:${service}:http/proxy/readyz`]);
  if (ready.code !== 0) throw new DeployError(`installed, but /readyz through the Service ${service} did not answer ready:\n${helmError(ready.stderr || ready.stdout)}`, true);
  const configMap = find(manifests, 'ConfigMap')!.data!;
  return configMap.APP_BASE_URL!;
}

/** Writes values (secrets included) to a file only the current user can read; returns its path and a remover. */
export function privateValuesFile(values: Values): { file: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-deploy-'));
  const file = path.join(dir, 'environment-values.json');
  // JSON is YAML: helm reads it as a values file. 0600: it may hold the session secret.
  fs.writeFileSync(file, JSON.stringify(values), { mode: 0o600 });
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
