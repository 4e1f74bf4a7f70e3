import { beforeEach, describe } from 'vitest';
import { MemoryStorage } from '../src/index.ts';
import { storageContract } from './support/storage-contract.ts';

// IndexedDbStorage is held to the same rules in a real browser: indexeddb.test.ts.
describe('MemoryStorage', () => {
  let shared: MemoryStorage;
  beforeEach(() => {
    shared = new MemoryStorage();
  });
  storageContract(() => shared);
});
