import { describe, expect, it } from 'vitest';
import type { RefusalEvent } from '../storage/port.ts';
import { RefusalRecorder } from './refusal-recorder.ts';

const refusal: RefusalEvent = {
  at: '2026-12-07T12:00:00.000Z',
  stage: 'add',
  code: 'OUT_OF_STOCK',
  cartId: 'c1',
  productId: 'p1',
  quantity: 2,
};

describe('RefusalRecorder', () => {
  it('writes refusals without making the caller wait, and flush waits for the writes', async () => {
    const written: RefusalEvent[][] = [];
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const recorder = new RefusalRecorder(
      {
        recordRefusals: async (events) => {
          await gate;
          written.push([...events]);
        },
      },
      (error) => {
        throw error;
      },
    );
    recorder.refused([refusal]);
    expect(written).toEqual([]);
    const flushed = recorder.flush();
    release();
    await flushed;
    expect(written).toEqual([[refusal]]);
  });

  it('reports a failed write instead of throwing it', async () => {
    const errors: unknown[] = [];
    const recorder = new RefusalRecorder(
      { recordRefusals: () => Promise.reject(new Error('database gone')) },
      (error) => errors.push(error),
    );
    expect(() => recorder.refused([refusal])).not.toThrow();
    await recorder.flush();
    expect(errors).toEqual([new Error('database gone')]);
  });
});
