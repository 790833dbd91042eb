/**
 * Validation of rendered Kubernetes objects against the Kubernetes OpenAPI schemas, as published
 * on npm by `kubernetes-models` (every built-in kind, generated from the OpenAPI document of a
 * current Kubernetes release) and `@kubernetes-models/prometheus-operator` (ServiceMonitor,
 * PrometheusRule). An object of a kind neither package knows is an error, never skipped.
 *
 * The schemas do not forbid unknown fields (Kubernetes' own OpenAPI does not either; the API
 * server drops them, or refuses them under `kubectl --validate=strict`): {@link unknownFields}
 * adds that check from the same models' type declarations.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import type { Manifest } from './checks.ts';

interface Model {
  validate(): void;
}
type ModelClass = new (data: object) => Model;

/** The npm module holding the models of an apiVersion. */
function moduleOf(apiVersion: string): string {
  if (apiVersion === 'v1') return 'kubernetes-models/v1';
  if (apiVersion.startsWith('monitoring.coreos.com/')) return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

/** The model class of an object's apiVersion and kind, or an error naming what is missing. */
async function modelOf(manifest: Manifest): Promise<ModelClass> {
  let models: Record<string, unknown>;
  try {
    models = (await import(moduleOf(manifest.apiVersion))) as Record<string, unknown>;
  } catch {
    throw new Error(`no Kubernetes schema for apiVersion ${manifest.apiVersion} (kind ${manifest.kind})`);
  }
  const model = models[manifest.kind];
  if (typeof model !== 'function') throw new Error(`no Kubernetes schema for ${manifest.kind} in ${manifest.apiVersion}`);
  return model as ModelClass;
}

/**
 * Validates each object against its kind's schema. Resolves one line per problem,
 * `Kind/name: /path message`; an empty list when every object is valid.
 */
export async function validateManifests(manifests: Manifest[]): Promise<string[]> {
  const problems: string[] = [];
  for (const manifest of manifests) {
    const where = `${manifest.kind}/${manifest.metadata?.name ?? '?'}`;
    try {
      const Model = await modelOf(manifest);
      new Model(manifest).validate();
    } catch (error) {
      const details = (error as { errors?: Array<{ instancePath?: string; message?: string; params?: unknown }> }).errors;
      if (details?.length) for (const d of details) problems.push(`${where}: ${d.instancePath || '/'} ${d.message ?? ''} ${JSON.stringify(d.params ?? {})}`.trim());
      else problems.push(`${where}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/**
 * Unknown or misspelt fields (`imagePullPolicyy`, a `port` under the wrong parent): each object
 * is type-checked by TypeScript against the same models' declarations (`IDeployment`, …), whose
 * excess-property check on object literals rejects any field the API does not define. Resolves
 * one line per problem (the first unknown field of each object).
 */
export function unknownFields(manifests: Manifest[], cacheDir = path.join(import.meta.dirname, '../node_modules/.cache/gatehouse-kube-check')): string[] {
  // One line per object, so a diagnostic's line is the object's index. The file sits under the
  // repository so that its imports resolve to the root node_modules.
  const source = manifests.map((m, i) => `import type { I${m.kind} as T${i} } from '${moduleOf(m.apiVersion)}'; export const o${i}: T${i} = ${JSON.stringify(m)};`);
  fs.mkdirSync(cacheDir, { recursive: true });
  const file = path.join(cacheDir, `manifests-${process.pid}-${Date.now()}.ts`);
  fs.writeFileSync(file, `${source.join('\n')}\n`);
  try {
    const program = ts.createProgram([file], {
      noEmit: true, strict: true, skipLibCheck: true, types: [],
      module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const m = d.file && d.start !== undefined ? manifests[d.file.getLineAndCharacterOfPosition(d.start).line] : undefined;
      return `${m ? `${m.kind}/${m.metadata.name}` : 'manifest'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ').slice(0, 400)}`;
    });
  } finally {
    fs.rmSync(file, { force: true });
  }
}
