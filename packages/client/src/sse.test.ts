import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.ts';

describe('SseParser', () => {
  it('parses events, comments, ids, multi-line data and retry', () => {
    const p = new SseParser();
    const events = p.push(
      'retry: 2000\n\n: heartbeat\n\nevent: cart\nid: 3\ndata: {"a":\ndata: 1}\n\ndata:plain\n\n',
    );
    expect(events).toEqual([
      { event: 'cart', data: '{"a":\n1}', id: '3', retry: 2000 },
      { event: 'message', data: 'plain', id: '3', retry: 2000 },
    ]);
    expect(p.takeRetry()).toBe(2000);
    expect(p.takeRetry()).toBeUndefined();
  });

  it('gives the same events however the stream is cut into chunks, with any line ending', () => {
    const blocks = fc.array(
      fc.record({
        event: fc.constantFrom('cart', 'message'),
        data: fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '{', '}', ' ', ':', 'é') }), {
          minLength: 1,
          maxLength: 3,
        }),
      }),
      { maxLength: 5 },
    );
    fc.assert(
      fc.property(
        blocks,
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.nat(), { maxLength: 10 }),
        (bs, eol, cuts) => {
          const text = bs
            .map(
              (b) =>
                [`event: ${b.event}`, ...b.data.map((d) => `data: ${d}`)].join(eol) + eol + eol,
            )
            .join(`: comment${eol}${eol}`);
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((x, y) => x - y);
          const p = new SseParser();
          const got = [];
          let at = 0;
          for (const cut of [...points, text.length]) {
            got.push(...p.push(text.slice(at, cut)));
            at = cut;
          }
          expect(got.map((e) => [e.event, e.data])).toEqual(
            bs.map((b) => [b.event, b.data.join('\n')]),
          );
        },
      ),
    );
  });
});
