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
export function unknownFields(manifests: Manifest[], cacheDir: string): string[] {
  const lines: string[] = [];
  const objects: string[] = [];
  manifests.forEach((m, i) => {
    const module = moduleOf(m.apiVersion);
    lines.push(`import type { I${m.kind} as T${i} } from '${module}';`);
    objects.push(`// ${m.kind}/${m.metadata.name}\nexport const o${i}: T${i} = ${JSON.stringify(m)};`);
  });
  fs.mkdirSync(cacheDir, { recursive: true });
  const file = path.join(cacheDir, `manifests-${process.pid}-${Date.now()}.ts`);
  fs.writeFileSync(file, `${lines.join('\n')}\n${objects.join('\n')}\n`);
  try {
    const program = ts.createProgram([file], {
      noEmit: true, strict: true, skipLibCheck: true, types: [],
      module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const index = d.file && d.start !== undefined ? Number(/^export const o(\d+)/m.exec(d.file.text.slice(d.file.text.lastIndexOf('\nexport const o', d.start) + 1))?.[1]) : NaN;
      const m = manifests[index];
      return `${m ? `${m.kind}/${m.metadata.name}` : 'manifest'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ').slice(0, 400)}`;
    });
  } finally {
    fs.rmSync(file, { force: true });
  }
}
