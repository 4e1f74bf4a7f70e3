import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('keyset cursors', () => {
  it('decode to the position they were made from', () => {
    const position = { at: '2026-11-28T10:00:00.000Z', id: 'ceramic-mug' };
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  it.each([
    ['not base64url at all', '!!!'],
    ['empty', ''],
    ['without a separator', Buffer.from('2026-11-28', 'utf8').toString('base64url')],
    ['without an instant', Buffer.from('|id', 'utf8').toString('base64url')],
  ])('refuse a cursor that is %s', (_, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});
