import { beforeEach, describe } from 'vitest';
import { MemoryStorage } from '../src/index.ts';
import { storageContract } from './support/storage-contract.ts';

// IndexedDbStorage passes the same contract once an IndexedDB exists in the test run
// (a browser, or fake-indexeddb): storageContract(() => new IndexedDbStorage(name)).
describe('MemoryStorage', () => {
  let shared: MemoryStorage;
  beforeEach(() => {
    shared = new MemoryStorage();
  });
  storageContract(() => shared);
});
