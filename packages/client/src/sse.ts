/** One Server-Sent Event (HTML Living Standard, "Server-sent events" §9.2.6). */
export interface ServerSentEvent {
  event: string;
  data: string;
  id: string | undefined;
  /** The reconnection time the server asked for, in ms, when this block set one. */
  retry: number | undefined;
}

/**
 * Parses an event stream incrementally: feed it text as it arrives, get the events
 * completed so far. Lines end in CRLF, LF or CR; a blank line dispatches; a block
 * without `data` dispatches nothing (comments, a bare `retry:`), except its retry.
 */
export class SseParser {
  private buffer = '';
  private afterCR = false;
  private event = '';
  private data: string[] = [];
  private id: string | undefined;
  private retry: number | undefined;

  push(chunk: string): ServerSentEvent[] {
    // A CR that ended the last chunk may be the first half of a CRLF.
    if (this.afterCR && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.afterCR = false;
    this.buffer += chunk;
    const out: ServerSentEvent[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (!m) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      if (m[0] === '\r' && this.buffer === '') this.afterCR = true;
      const event = this.line(line);
      if (event) out.push(event);
    }
    return out;
  }

  /** Any retry time the last blocks set (also those with no data). */
  takeRetry(): number | undefined {
    const r = this.retry;
    this.retry = undefined;
    return r;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') {
      const event =
        this.data.length > 0
          ? {
              event: this.event || 'message',
              data: this.data.join('\n'),
              id: this.id,
              retry: this.retry,
            }
          : undefined;
      this.event = '';
      this.data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
    return undefined;
  }
}
