/** History as JSON with byte fields as UTF-8, plus every base64 payload decoded, so a secret cannot hide in encoding. */
export function searchableHistory(history: unknown): string {
  const json = JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
  const decoded: string[] = [];
  JSON.parse(json, (k, v) => {
    if (k === 'data' && typeof v === 'string') decoded.push(Buffer.from(v, 'base64').toString('utf8'));
    return v;
  });
  return `${json}\n${decoded.join('\n')}`;
}
