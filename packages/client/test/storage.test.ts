import { beforeEach, describe, expect, it } from 'vitest';
import type { ActionRecord } from '../src/records.ts';
import { MemoryStorage } from '../src/storage.ts';
import { actionRecord, metaRecord, storageContract } from './support/storage-contract.ts';

// IndexedDbStorage is held to the same rules in a real browser: indexeddb.test.ts.
describe('MemoryStorage', () => {
  let shared: MemoryStorage;
  beforeEach(() => {
    shared = new MemoryStorage();
  });
  storageContract(() => shared);

  it('writes nothing of a step it cannot copy, as an aborted transaction would', async () => {
    await shared.save({ meta: metaRecord(1), put: [actionRecord('a', '1')] });
    const uncloneable = { ...actionRecord('b', '2'), later: () => 1 } as ActionRecord;
    await expect(
      shared.save({ meta: metaRecord(2), put: [uncloneable], delete: ['a'] }),
    ).rejects.toThrow();
    expect(await shared.load()).toEqual({ meta: metaRecord(1), outbox: [actionRecord('a', '1')] });
  });
});
