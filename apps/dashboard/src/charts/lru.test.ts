import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LruCache } from './lru.ts';

describe('LruCache', () => {
  test('evicts the least recently used entry once full; a read counts as a use', () => {
    const cache = new LruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    assert.equal(cache.get('a'), 1);
    cache.set('c', 3);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('c'), 3);
    assert.equal(cache.size, 2);
  });

  test('deleteIf removes an entry only while it holds the given value', () => {
    const cache = new LruCache<string>(4);
    cache.set('k', 'old');
    cache.set('k', 'new');
    cache.deleteIf('k', 'old');
    assert.equal(cache.get('k'), 'new');
    cache.deleteIf('k', 'new');
    assert.equal(cache.get('k'), undefined);
  });

  test('refuses a bound that is not a positive integer', () => {
    assert.throws(() => new LruCache(0), RangeError);
    assert.throws(() => new LruCache(1.5), RangeError);
  });
});
