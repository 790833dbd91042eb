import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { flushLogger } from './logger.ts';

test('lines buffered by the asynchronous destination are all written by flushLogger (shutdown loses no log line)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-logger-'));
  try {
    const file = join(dir, 'log.jsonl');
    const destination = pino.destination({ dest: file, sync: false, mkdir: true });
    await new Promise<void>((resolve) => destination.once('ready', () => resolve()));
    const logger = pino({ level: 'info' }, destination);
    for (let i = 0; i < 2000; i++) logger.info({ i }, 'request');
    logger.info('dashboard stopped');
    flushLogger(logger);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2001);
    assert.equal(JSON.parse(lines.at(-1)!).msg, 'dashboard stopped');
    destination.end();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flushLogger on a logger over a plain stream does nothing and does not throw', () => {
  const logger = pino({ level: 'info' }, { write() {} });
  flushLogger(logger);
});
