import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const node = (args: string[]) => [process.execPath, ['--import', 'tsx', CLI, ...args]] as const;

async function jwksKids(issuer: string): Promise<string[]> {
  const jwks = (await (await fetch(`${issuer}/v1/keys`)).json()) as { keys: Array<{ kid: string }> };
  return jwks.keys.map((key) => key.kid);
}

describe('npm run idp', () => {
  const dataDir = mkdtempSync(`${tmpdir()}/gh-`);
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the issuer, credentials and demo users, picks up rotate-keys, and stops cleanly on SIGTERM', async () => {
    const [command, args] = node(['--port', '0', '--data-dir', dataDir]);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      // Keep reading (not for-await + break, which would destroy the child's stdout).
      await new Promise<void>((ready, fail) => {
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          if (output.includes('Press Ctrl+C to stop.')) ready();
        });
        child.once('exit', (code) => fail(new Error(`the emulator exited (${code}) before it was ready: ${output}`)));
      });
      const issuer = /Issuer \(default AS\)\s+(\S+)/.exec(output)?.[1];
      assert.ok(issuer, output);
      assert.match(output, /client id 0oa1gatehousedemoapp, secret gatehouse-demo-secret-do-not-use-in-production/);
      assert.match(output, /00gatehouse-demo-api-token-do-not-use-in-prod/);
      assert.match(output, /admin@gatehouse\.test \[ACTIVE\], password Gatehouse-demo-1, groups: admin, TOTP secret [A-Z2-7]+/);
      assert.match(output, /norole@gatehouse\.test \[ACTIVE\].*groups: \(none\)/);

      const [oldKid] = await jwksKids(issuer);
      const [rotate, rotateArgs] = node(['rotate-keys', '--data-dir', dataDir]);
      const rotated = spawnSync(rotate, rotateArgs, { encoding: 'utf8' });
      assert.equal(rotated.status, 0, rotated.stderr);
      // The running emulator watches its key file; wait (bounded) until it publishes the new key.
      let kids = await jwksKids(issuer);
      for (let attempt = 0; attempt < 50 && kids.length < 2; attempt += 1) {
        await new Promise((done) => setTimeout(done, 200));
        kids = await jwksKids(issuer);
      }
      assert.equal(kids.length, 2);
      assert.equal(kids[1], oldKid);

      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses unknown flags and commands with usage, exit code 2', () => {
    for (const args of [['--bogus'], ['frobnicate'], ['--port', 'eighty']]) {
      const [command, argv] = node(args);
      const result = spawnSync(command, argv, { encoding: 'utf8' });
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.stderr, /Usage:/);
    }
  });
});
