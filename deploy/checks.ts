/**
 * Readers for the deploy/ files, used by the deploy/ tests (deploy/*.test.ts, deploy/image/*.test.ts) and `npm run deploy`: the chart's
 * YAML and values (merged as Helm merges them), its templates rendered by the real `helm`, every
 * rendered object validated against the Kubernetes OpenAPI schemas (the `kubernetes-models`
 * packages), the Dockerfile's instructions, .dockerignore matching, and the variable names the
 * config schema reads. Helpers only; the assertions live in the tests.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CONFIG_VARIABLES, SECRET_VARIABLES } from '@gatehouse/auth/config';
import { helmBinary } from './binaries.ts';

/** The repository root. */
export const root = path.resolve(import.meta.dirname, '..');
/** The chart's directory. */
export const chartDir = path.join(root, 'deploy/helm/gatehouse');

// js-yaml (a root devDependency) ships no typings.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown; loadAll(text: string): unknown[] };

/** A YAML/JSON mapping. */
export type Values = Record<string, unknown>;
/** True for a mapping (not an array, not null). */
export const isMap = (value: unknown): value is Values => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses a YAML file that must hold a mapping. */
export function readYaml(file: string): Values {
  const parsed = yaml.load(fs.readFileSync(file, 'utf8'));
  if (!isMap(parsed)) throw new Error(`${path.relative(root, file)} must be a YAML mapping`);
  return parsed;
}

/** Helm's coalescing of user values over the chart's: maps merge deeply, lists and scalars replace, null deletes. */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else if (isMap(value) && isMap(out[key])) out[key] = mergeValues(out[key], value);
    else out[key] = value;
  }
  return out;
}

/** The chart's values.yaml. */
export const defaultValues = () => readYaml(path.join(chartDir, 'values.yaml'));
/** File names of the scenarios under ci/. */
export const ciFiles = () => fs.readdirSync(path.join(chartDir, 'ci')).filter((name) => name.endsWith('-values.yaml'));

/** Variable names the config schema reads (from the schema itself), and NAME_FILE for each secret. */
export function knownVariables(): Set<string> {
  const names = new Set(CONFIG_VARIABLES);
  for (const secret of SECRET_VARIABLES) names.add(`${secret}_FILE`);
  return names;
}

/** The Dockerfile's instructions: continuations joined, comments and blank lines dropped. */
export function dockerfileLines(): string[] {
  return fs.readFileSync(path.join(root, 'deploy/Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
}

/** The runtime (last) stage's ENV. */
export function dockerfileEnv(): Record<string, string> {
  const lines = dockerfileLines();
  const lastFrom = lines.findLastIndex((line) => line.startsWith('FROM '));
  const env: Record<string, string> = {};
  for (const line of lines.slice(lastFrom)) {
    if (!line.startsWith('ENV ')) continue;
    for (const m of line.slice(4).matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) env[m[1]!] = m[2]!;
  }
  return env;
}

/** The JSON-array (exec form) arguments of the first instruction matching `prefix` (CMD, HEALTHCHECK … CMD). */
export function execForm(prefix: RegExp): string[] {
  const line = dockerfileLines().find((l) => prefix.test(l));
  if (!line) throw new Error(`the Dockerfile has no ${prefix.source} line`);
  return JSON.parse(line.slice(line.indexOf('['))) as string[];
}

/**
 * Whether .dockerignore keeps `file` (relative to the root) out of the build context. Docker's
 * rule: the last matching pattern wins, `!` re-includes, a pattern matching a directory covers
 * what is inside.
 */
export function dockerIgnored(file: string): boolean {
  const rules = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const parts = file.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let out = false;
  for (const rule of rules) {
    const negate = rule.startsWith('!');
    const pattern = negate ? rule.slice(1) : rule;
    if (candidates.some((candidate) => path.matchesGlob(candidate, pattern))) out = !negate;
  }
  return out;
}

/** One rendered Kubernetes object. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: Values;
  data?: Record<string, string>;
}

/** What a render gave: the exit code, the objects (on success) and stderr (NOTES, or the failure). */
export interface Rendered {
  code: number | null;
  manifests: Manifest[];
  stderr: string;
}

/** The release name and namespace every test render uses. */
export const RELEASE = { name: 'gatehouse', namespace: 'gatehouse' } as const;

/** Runs helm with `args`; resolves the exit code and both streams. */
export async function helm(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(helmBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** Values files are relative to the chart, or absolute; `--set=path=value` passes through. */
const helmArgs = (args: string[]) => args.flatMap((a) => (a.startsWith('--') ? [a] : ['-f', path.isAbsolute(a) ? a : path.join(chartDir, a)]));

/** `helm template` of the chart as the test release, with values files and `--set=path=value` overrides. */
export const render = (...args: string[]) => renderRelease(RELEASE, args);

/** `helm template` of the chart as `release` in its namespace. */
export async function renderRelease(release: { name: string; namespace: string }, args: string[]): Promise<Rendered> {
  const { code, stdout, stderr } = await helm(['template', release.name, chartDir, '--namespace', release.namespace, ...helmArgs(args)]);
  const manifests = code === 0 ? (yaml.loadAll(stdout).filter(Boolean) as Manifest[]) : [];
  return { code, manifests, stderr };
}

/** `helm lint --strict` of the chart with values files; resolves the exit code and the output. */
export async function lint(...args: string[]): Promise<{ code: number | null; output: string }> {
  const { code, stdout, stderr } = await helm(['lint', '--strict', chartDir, ...helmArgs(args)]);
  return { code, output: stdout + stderr };
}

/** The first object of a kind. */
export const find = (manifests: Manifest[], kind: string) => manifests.find((m) => m.kind === kind);
/** The Deployment's pod template. */
export const podTemplate = (manifests: Manifest[]) => find(manifests, 'Deployment')!.spec!.template as { metadata: { annotations: Record<string, string> }; spec: Values };
/** The Deployment's pod spec. */
export const podSpec = (manifests: Manifest[]) => podTemplate(manifests).spec;
/** The Deployment's one container. */
export const container = (manifests: Manifest[]) => (podSpec(manifests).containers as Values[])[0]!;
