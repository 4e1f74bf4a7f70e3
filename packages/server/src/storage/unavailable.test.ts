import { describe, expect, it } from 'vitest';
import { isStorageUnavailable } from './unavailable.ts';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isStorageUnavailable', () => {
  it.each([
    coded('ECONNREFUSED'),
    coded('57P01', 'terminating connection due to administrator command'),
    coded('08006'),
    coded('53300'),
    coded('57014', 'canceling statement due to statement timeout'),
    coded('55P03'),
    coded('SQLITE_BUSY'),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    new Error('wrapped', { cause: coded('ECONNRESET') }),
    new AggregateError([coded('ECONNREFUSED')], 'all addresses failed'),
  ])('treats %s as unavailable', (error) => expect(isStorageUnavailable(error)).toBe(true));

  it.each([coded('23505'), coded('42P01'), new TypeError('bug'), 'not an error', null])(
    'treats %s as a fault',
    (error) => expect(isStorageUnavailable(error)).toBe(false),
  );
});
