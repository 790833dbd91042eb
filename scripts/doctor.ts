/**
 * `npm run doctor [-- --json] [--user <login>] [--url <deployed url>]`: checks the Okta set-up
 * for the configuration the app would load (environment, `.env`, `NAME_FILE` secrets), read-only.
 * One line per check; exit status 1 when any problem is found, so it can gate a deploy.
 * @see docs/doctor.md
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type GatehouseConfig } from '@gatehouse/auth/config';
import { formatReport, runDoctor, type DoctorReport } from '@gatehouse/doctor';

const USAGE = `Usage: npm run doctor [-- --json] [--user <login>] [--url <deployed url>]

  --json          print the report as JSON
  --user <login>  show which role this Okta user would get
  --url <url>     also check the deployed app at this URL (the redirect URI it sends, Universal Logout)
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(1);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: { json: { type: 'boolean', default: false }, user: { type: 'string' }, url: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
    allowPositionals: false,
  });
}
try {
  args = parse();
} catch (error) {
  fail((error as Error).message);
}
if (args.values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const url = args.values.url;
if (url !== undefined && !/^https?:\/\/[^/]/.test(url)) fail(`--url must be an http(s) URL such as https://gatehouse.example.com (got ${JSON.stringify(url)})`);

function emit(report: DoctorReport): never {
  process.stdout.write(args.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  process.exit(report.problems > 0 ? 1 : 0);
}

let config: GatehouseConfig;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A configuration the app would refuse to start with: each field is a problem, with its own fix.
  emit({
    startedAt: new Date().toISOString(),
    problems: error.issues.length,
    warnings: 0,
    findings: error.issues.map((issue) => ({ id: 'config', title: `Configuration ${issue.field}`, status: 'problem', found: issue.message, fix: 'Fix the variable named (see the README\'s configuration table).' })),
  });
}

if (!args.values.json) {
  process.stdout.write(`Checking the Okta set-up of ${config.appBaseUrl} against ${config.okta.issuer}${config.usingEmulator ? ' (the bundled emulator: start it with npm start)' : ''}; nothing in Okta is changed.\n\n`);
}
emit(
  await runDoctor(config, {
    ...(args.values.user ? { user: args.values.user } : {}),
    ...(url ? { url } : {}),
  }),
);
