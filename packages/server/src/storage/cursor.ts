/** Opaque keyset cursors: base64url of `<timestamp>|<id>`; a tampered cursor is just invalid. */
export function encodeCursor(position: { at: string; id: string }): string {
  return Buffer.from(`${position.at}|${position.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { at: string; id: string } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  if (bar <= 0) return null;
  return { at: text.slice(0, bar), id: text.slice(bar + 1) };
}
