/**
 * The Web Locks semantics the tab coordinator uses (`navigator.locks`): exclusive,
 * granted in request order. With it, the first tab to start leads at once and the
 * others follow, with no election to wait for.
 */
export class TestLockManager {
  private readonly held = new Map<string, boolean>();
  private readonly waiting = new Map<string, (() => void)[]>();

  async request(
    name: string,
    options: { mode: 'exclusive'; signal?: AbortSignal },
    callback: () => Promise<void>,
  ): Promise<void> {
    if (this.held.get(name)) {
      await new Promise<void>((resolve, reject) => {
        const queue = this.waiting.get(name) ?? [];
        queue.push(resolve);
        this.waiting.set(name, queue);
        options.signal?.addEventListener('abort', () => {
          this.waiting.set(
            name,
            (this.waiting.get(name) ?? []).filter((r) => r !== resolve),
          );
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    }
    this.held.set(name, true);
    try {
      await callback();
    } finally {
      this.held.set(name, false);
      this.waiting.get(name)?.shift()?.();
    }
  }
}
