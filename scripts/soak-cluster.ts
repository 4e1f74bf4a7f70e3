/**
 * The server instances of one target. An instance keeps its name, port and environment
 * across crashes, so that a restart comes back at the same address with the same
 * database, as a supervisor would bring it back behind a load balancer.
 */
import { startServer, type ServerProcess } from './soak-server.ts';

export class Instance {
  /** The running process, or null between a crash and its restart. */
  current: ServerProcess | null = null;
  /** Every process this instance has had and how it ended (the memory verdict reads it). */
  readonly history: { pid: number; startedAt: number; endedAt?: number; end?: string }[] = [];
  /** Error and fatal log lines of its ended processes (a 5xx answer writes one). */
  private endedErrorLines = 0;
  /** Processes that exited without being killed or stopped: a crash of the server's own. */
  readonly unexpectedExits: string[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  /** Where clients send requests: fixed, whether the process is up or not. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<ServerProcess> {
    const server = await startServer(this.name, this.port, this.env);
    this.current = server;
    this.history.push({ pid: server.pid, startedAt: server.startedAt });
    void server.exited.then((exit) => {
      // crash() and stop() let go of the process first: only an exit of its own is left.
      if (this.current !== server) return;
      this.current = null;
      this.ended(server, 'exited on its own');
      this.unexpectedExits.push(
        `${this.name} (pid ${server.pid}) exited on its own (${exit.code ?? exit.signal}) after ${Math.round((Date.now() - server.startedAt) / 1000)} s`,
      );
    });
    return server;
  }

  /** kill -9 now; answers how long the process had lived (ms). */
  async crash(): Promise<number> {
    const server = this.current;
    if (!server) return 0;
    this.current = null;
    await server.kill9();
    this.ended(server, 'killed');
    return Date.now() - server.startedAt;
  }

  /** A clean stop (SIGTERM). */
  async stop(): Promise<void> {
    const server = this.current;
    if (!server) return;
    this.current = null;
    const exit = await server.stop();
    this.ended(server, exit.signal === 'SIGKILL' ? 'killed after a stop timed out' : 'stopped');
  }

  /** Error and fatal log lines of all its processes so far. */
  errorLines(): number {
    return this.endedErrorLines + (this.current?.errorLines() ?? 0);
  }

  private ended(server: ServerProcess, how: string): void {
    this.endedErrorLines += server.errorLines();
    const entry = this.history.find((h) => h.pid === server.pid && h.endedAt === undefined);
    if (entry) Object.assign(entry, { endedAt: Date.now(), end: how });
  }
}
