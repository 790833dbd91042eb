import { DEMO_API_TOKEN, DEMO_PASSWORD } from './directory/demo.ts';
import { loadSeed } from './directory/seed.ts';
import type { Emulator } from './server.ts';

/**
 * The start-up banner: issuer, apps with their credentials, the API token and every user with
 * status, groups, the demo password (when it is theirs) and TOTP secret. Demo values only: a real
 * org's secrets never pass through the emulator.
 *
 * @param options.seedPath the seed file the directory came from (its API tokens are shown);
 *   default: the bundled demo seed.
 */
export function demoBanner(emulator: Pick<Emulator, 'issuer' | 'orgIssuer' | 'dataDir' | 'directory'>, options: { seedPath?: string } = {}): string {
  const { directory } = emulator;
  const seedTokens = options.seedPath ? (loadSeed(options.seedPath).apiTokens ?? []).map((token) => token.token) : [DEMO_API_TOKEN];
  const apiTokens = seedTokens.filter((token) => directory.findApiToken(token) !== null);
  const lines = [
    '',
    'Okta emulator ready',
    `  Issuer (default AS)   ${emulator.issuer}`,
    `  Org URL (org AS, API) ${emulator.orgIssuer}`,
    `  Data directory        ${emulator.dataDir}`,
    '',
    'OIDC apps',
  ];
  for (const app of directory.listApps()) {
    lines.push(`  ${app.name}: client id ${app.clientId}${app.clientSecret ? `, secret ${app.clientSecret}` : ''} (${app.grantTypes.join(', ')})`);
  }
  lines.push('', `Management API token (SSWS): ${apiTokens.length > 0 ? apiTokens.join(', ') : '(none known; see your seed file)'}`, '', 'Users');
  for (const user of directory.listUsers()) {
    const groups = directory.groupsOfUser(user.id).map((group) => group.profile.name);
    const demoPassword = user.status === 'ACTIVE' && directory.verifyPassword(user, DEMO_PASSWORD) ? `, password ${DEMO_PASSWORD}` : '';
    lines.push(
      `  ${user.profile.login} [${user.status}]${demoPassword}, groups: ${groups.length > 0 ? groups.join(', ') : '(none)'}` +
        `${user.totp ? `, TOTP secret ${user.totp.secret}` : ''}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
