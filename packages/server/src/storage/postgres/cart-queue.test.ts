import { describe, expect, it } from 'vitest';
import { isStorageUnavailable } from '../unavailable.ts';
import { CartQueue } from './cart-queue.ts';

interface Job {
  keys: string[];
  name: string;
}

/**
 * A queue whose turns are named jobs: `started` lists them as they start; each runs
 * until the test calls `done(name)`; `expired` lists those that gave up.
 */
function harness(timeoutMs = 5000) {
  const started: string[] = [];
  const expired: { name: string; error: Error }[] = [];
  const running = new Map<string, Job>();
  const queue: CartQueue<Job> = new CartQueue<Job>(timeoutMs, {
    start: (job) => {
      started.push(job.name);
      running.set(job.name, job);
    },
    expire: (job, error) => expired.push({ name: job.name, error }),
  });
  const add = (name: string, ...keys: string[]) => {
    const job = { name, keys };
    queue.enqueue(job);
    return job;
  };
  const done = (name: string) => {
    const job = running.get(name);
    if (!job) throw new Error(`${name} is not running`);
    running.delete(name);
    queue.release(job);
  };
  return { queue, started, expired, add, done };
}

describe('CartQueue', () => {
  it('runs turns on one key one at a time, in arrival order, and then forgets the key', () => {
    const { queue, started, add, done } = harness();
    for (const name of ['a', 'b', 'c']) add(name, 'cart');
    expect(started).toEqual(['a']);
    done('a');
    expect(started).toEqual(['a', 'b']);
    done('b');
    done('c');
    expect(started).toEqual(['a', 'b', 'c']);
    expect(queue.size).toBe(0);
  });

  it('runs turns on other keys side by side', () => {
    const { queue, started, add, done } = harness();
    add('x1', 'x');
    add('y1', 'y');
    add('x2', 'x');
    expect(started).toEqual(['x1', 'y1']);
    expect(queue.size).toBe(2);
    done('y1');
    expect(queue.size).toBe(1);
    done('x1');
    done('x2');
    expect(queue.size).toBe(0);
  });

  it('takes two keys in sorted order: merges named either way round never wait forever', () => {
    const { queue, started, add, done } = harness();
    add('b<-a', 'b', 'a');
    add('a<-b', 'a', 'b');
    add('a alone', 'a', 'a');
    add('b alone', 'b');
    expect(started).toEqual(['b<-a']);
    done('b<-a');
    // a<-b now holds a and queues for b, behind the one that was waiting for b already.
    expect(started).toEqual(['b<-a', 'b alone']);
    done('b alone');
    expect(started).toEqual(['b<-a', 'b alone', 'a<-b']);
    done('a<-b');
    expect(started).toEqual(['b<-a', 'b alone', 'a<-b', 'a alone']);
    done('a alone');
    expect(queue.size).toBe(0);
  });

  it('hands the turns right behind a holder of one key over to it, up to a bound', () => {
    const { queue, started, add, done } = harness();
    const holder = add('h', 'k');
    add('f1', 'k');
    add('f2', 'k');
    add('merge', 'k', 'z');
    add('f3', 'k');
    // A merge needs another key: adoption stops there, so that nobody passes it.
    expect(queue.adopt(holder, 10).map((j) => j.name)).toEqual(['f1', 'f2']);
    expect(queue.adopt(holder, 10)).toEqual([]);
    done('h');
    expect(started).toEqual(['h', 'merge']);
    done('merge');
    expect(started).toEqual(['h', 'merge', 'f3']);
    done('f3');
    expect(queue.size).toBe(0);
    const again = add('h2', 'k');
    add('g1', 'k');
    add('g2', 'k');
    expect(queue.adopt(again, 1).map((j) => j.name)).toEqual(['g1']);
    done('h2');
    expect(started.at(-1)).toBe('g2');
    done('g2');
    // Only the holder may adopt; a merge adopts nothing.
    const merge = add('m', 'p', 'q');
    add('p1', 'p');
    expect(queue.adopt(merge, 10)).toEqual([]);
    done('m');
    done('p1');
    expect(queue.size).toBe(0);
  });

  it('gives up waiting after its timeout as "unavailable", and the queue goes on', async () => {
    const { queue, started, expired, add, done } = harness(30);
    add('first', 'k');
    add('late', 'k', 'm');
    add('m alone', 'm');
    expect(started).toEqual(['first', 'm alone']);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(expired.map((e) => e.name)).toEqual(['late']);
    expect(isStorageUnavailable(expired[0]?.error)).toBe(true);
    add('after', 'k');
    done('first');
    expect(started).toEqual(['first', 'm alone', 'after']);
    done('m alone');
    done('after');
    expect(queue.size).toBe(0);
  });

  it('lets a turn holding one key and waiting for another give up both', async () => {
    const { queue, started, expired, add, done } = harness(30);
    add('holds b', 'b');
    add('merge', 'a', 'b');
    add('wants a', 'a');
    expect(started).toEqual(['holds b']);
    await new Promise((resolve) => setTimeout(resolve, 60));
    // The merge held a and waited for b: giving up frees a.
    expect(expired.map((e) => e.name)).toContain('merge');
    expect(started).toContain('wants a');
    done('holds b');
    done('wants a');
    expect(queue.size).toBe(0);
  });
});
