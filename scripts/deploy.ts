/**
 * `npm run deploy`: installs or upgrades Gatehouse on the current Kubernetes context with the chart
 * in deploy/helm/gatehouse, waits for the pods, checks `/readyz` through the release's Service and
 * prints the app's URL. `npm run deploy -- --dry-run` renders and validates without a cluster.
 *
 *   npm run deploy -- [-f values.yaml]... [--set path=value]... [--release NAME] [--namespace NS] [--timeout 5m] [--dry-run]
 *
 * Values come from the files, then from the app's own variables in the environment (APP_BASE_URL,
 * OKTA_ISSUER, OKTA_CLIENT_ID, OKTA_CLIENT_SECRET, SESSION_SECRET, …: see ENVIRONMENT_VALUES in
 * deploy/release.ts), then from --set. Every failure says what to fix, and nothing is sent to the
 * cluster until every check has passed. Steps: deploy/release.ts.
 */
import { parseArgs } from 'node:util';
import { helmBinary, helmVersion } from '../deploy/binaries.ts';
import {
  DeployError, checkExistingSecrets, checkIssuer, install, kubeContext, privateValuesFile, renderAndValidate, valuesFromEnvironment, type DeployOptions,
} from '../deploy/release.ts';

const USAGE = 'usage: npm run deploy -- [-f values.yaml]... [--set path=value]... [--release NAME] [--namespace NS] [--timeout 5m] [--dry-run]';

function options(): DeployOptions {
  try {
    const { values } = parseArgs({
      options: {
        values: { type: 'string', short: 'f', multiple: true, default: [] },
        set: { type: 'string', multiple: true, default: [] },
        release: { type: 'string', default: 'gatehouse' },
        namespace: { type: 'string', short: 'n', default: 'gatehouse' },
        timeout: { type: 'string', default: '5m' },
        'dry-run': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    return { valuesFiles: values.values, set: values.set, release: values.release, namespace: values.namespace, timeout: values.timeout, dryRun: values['dry-run'] };
  } catch (error) {
    throw new DeployError(`${(error as Error).message}\n${USAGE}`);
  }
}

async function main(): Promise<void> {
  const opts = options();
  const step = (text: string) => console.log(`  ${text}`);
  console.log(`\n  Gatehouse deploy${opts.dryRun ? ' (dry run: nothing is sent to a cluster)' : ''}: release ${opts.release}, namespace ${opts.namespace}`);
  step(`helm ${helmVersion(helmBinary())}`);

  // The environment's values are written to a private file: secrets never appear in argv.
  const fromEnvironment = privateValuesFile(valuesFromEnvironment(process.env));
  try {
    const files = [...opts.valuesFiles, fromEnvironment.file];
    const manifests = await renderAndValidate(opts, files);
    step(`rendered and validated ${manifests.length} objects: ${[...new Set(manifests.map((m) => m.kind))].join(', ')}`);
    const data = manifests.find((m) => m.kind === 'ConfigMap')!.data!;
    const issuer = data.OKTA_ISSUER ?? `https://${data.OKTA_DOMAIN!.replace(/^https?:\/\//, '').replace(/\/$/, '')}/oauth2/${data.OKTA_AUTHORIZATION_SERVER_ID}`;
    if (opts.dryRun) {
      step('not checked in a dry run: the kube context, existing Secrets, the issuer\'s discovery document');
      console.log(`\n  Dry run passed. Without --dry-run, users would open ${data.APP_BASE_URL}\n`);
      return;
    }
    step(`kube context: ${await kubeContext()}`);
    await checkIssuer(issuer);
    step(`issuer ${issuer}: discovery document found`);
    await checkExistingSecrets(manifests, opts.namespace);
    step('helm upgrade --install --wait …');
    const url = await install(opts, files, manifests);
    console.log(`\n  Gatehouse is ready: ${url}\n`);
  } finally {
    fromEnvironment.remove();
  }
}

main().catch((error: unknown) => {
  if (error instanceof DeployError) {
    console.error(`\n  Deploy stopped: ${error.message.split('\n').join('\n  ')}\n${error.touched ? '' : '  Nothing was changed in the cluster.\n'}`);
    process.exit(1);
  }
  throw error;
});
