import { randomId, runtimeWith, type Runtime } from './runtime.ts';

export interface TabHandlers {
  /** This tab became (true) or stopped being (false) the one that talks to the server. */
  leadership(isLeader: boolean): void;
  /** A message another tab posted. */
  message(message: unknown): void;
}

/**
 * Coordinates the tabs of one shop: one of them, the leader, sends the queue and holds
 * the live connection; all of them share state by message. Leadership is an
 * optimisation, not what makes changes safe: two tabs that both believe they lead (for
 * a moment, during an election) send actions with the same ids, and the server applies
 * each at most once.
 */
export interface TabCoordinator {
  readonly tabId: string;
  start(handlers: TabHandlers): void;
  post(message: unknown): void;
  close(): void;
}

/** One tab alone: always the leader. Node, or a browser without BroadcastChannel. */
export function soloTab(): TabCoordinator {
  return {
    tabId: randomId(),
    start(handlers) {
      handlers.leadership(true);
    },
    post() {},
    close() {},
  };
}

interface LockManagerLike {
  request(
    name: string,
    options: { mode: 'exclusive'; signal?: AbortSignal },
    callback: () => Promise<void>,
  ): Promise<unknown>;
}

interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

export interface BrowserTabsOptions {
  /** Tabs with the same name coordinate (one per shop and cart namespace). */
  name: string;
  /** Web Locks (`navigator.locks`); found by itself when left out. */
  locks?: LockManagerLike | null;
  /** Makes the channel (`new BroadcastChannel(name)`); found by itself when left out. */
  channel?: ((name: string) => ChannelLike) | null;
  runtime?: Partial<Runtime>;
  /** How often the elected leader says it is alive (BroadcastChannel election only). */
  heartbeatMs?: number;
  /** Silence after which a tab takes over (BroadcastChannel election only). */
  leaseMs?: number;
}

type Election = { k: 'hb'; from: string } | { k: 'who'; from: string } | { k: 'bye'; from: string };
type Envelope = { k: 'app'; from: string; message: unknown } | Election;

/**
 * Tabs of one browser. Leadership comes from Web Locks when the browser has them: the
 * leader holds an exclusive lock until its tab closes, and the browser hands it to the
 * next waiting tab, so there is never more than one. Without them, from an election
 * over BroadcastChannel: the leader sends a heartbeat, a tab that hears none for a lease
 * takes over, and of two leaders that hear each other the one with the smaller id
 * stays. Falls back to `soloTab` when there is no BroadcastChannel at all.
 */
export function browserTabs(options: BrowserTabsOptions): TabCoordinator {
  const scope = globalThis as { navigator?: { locks?: LockManagerLike } };
  const locks = options.locks === undefined ? (scope.navigator?.locks ?? null) : options.locks;
  const makeChannel =
    options.channel === undefined
      ? typeof BroadcastChannel === 'function'
        ? (name: string) => new BroadcastChannel(name) as unknown as ChannelLike
        : null
      : options.channel;
  if (makeChannel === null) return soloTab();
  return new BroadcastTabs(options, locks, makeChannel);
}

class BroadcastTabs implements TabCoordinator {
  readonly tabId = randomId();
  private readonly runtime: Runtime;
  private readonly heartbeatMs: number;
  private readonly leaseMs: number;
  private channel: ChannelLike | null = null;
  private handlers: TabHandlers | null = null;
  private leader = false;
  private lastHeard = 0;
  private cancelTick: (() => void) | null = null;
  private readonly stop = new AbortController();
  private releaseLock: (() => void) | null = null;

  constructor(
    private readonly options: BrowserTabsOptions,
    private readonly locks: LockManagerLike | null,
    private readonly makeChannel: (name: string) => ChannelLike,
  ) {
    this.runtime = runtimeWith(options.runtime);
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 3000;
  }

  start(handlers: TabHandlers): void {
    this.handlers = handlers;
    const channel = this.makeChannel(this.options.name);
    this.channel = channel;
    (channel as { unref?: () => void }).unref?.();
    channel.addEventListener('message', (event) => this.receive(event.data as Envelope));
    if (this.locks) {
      this.locks
        .request(
          `${this.options.name}:leader`,
          { mode: 'exclusive', signal: this.stop.signal },
          () =>
            new Promise<void>((release) => {
              this.releaseLock = release;
              this.setLeader(true);
            }),
        )
        .catch(() => undefined);
      return;
    }
    this.lastHeard = this.runtime.now();
    this.send({ k: 'who', from: this.tabId });
    this.tick();
  }

  post(message: unknown): void {
    this.send({ k: 'app', from: this.tabId, message });
  }

  close(): void {
    this.stop.abort();
    this.cancelTick?.();
    this.cancelTick = null;
    if (this.leader && !this.locks) this.send({ k: 'bye', from: this.tabId });
    this.releaseLock?.();
    this.leader = false;
    this.channel?.close();
    this.channel = null;
    this.handlers = null;
  }

  private send(envelope: Envelope): void {
    this.channel?.postMessage(envelope);
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.handlers?.leadership(leader);
  }

  private tick(): void {
    if (this.stop.signal.aborted) return;
    if (this.leader) this.send({ k: 'hb', from: this.tabId });
    else if (this.runtime.now() - this.lastHeard >= this.leaseMs) this.claim();
    this.cancelTick = this.runtime.setTimer(() => this.tick(), this.heartbeatMs);
  }

  private claim(): void {
    this.setLeader(true);
    this.send({ k: 'hb', from: this.tabId });
  }

  private receive(envelope: Envelope): void {
    if (this.handlers === null) return;
    if (envelope.k === 'app') {
      this.handlers.message(envelope.message);
      return;
    }
    if (this.locks) return;
    switch (envelope.k) {
      case 'hb':
        if (this.leader) {
          // Two leaders: the smaller id stays; the other one hears it and steps down.
          if (envelope.from < this.tabId) this.setLeader(false);
          else return;
        }
        this.lastHeard = this.runtime.now();
        return;
      case 'who':
        if (this.leader) this.send({ k: 'hb', from: this.tabId });
        return;
      case 'bye':
        if (!this.leader) this.lastHeard = -Infinity;
        this.cancelTick?.();
        this.tick();
        return;
    }
  }
}
