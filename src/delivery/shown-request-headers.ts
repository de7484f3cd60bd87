/** Headers whose values are shown as sent: they carry no secret. */
const SHOWN = new Set(['content-type', 'user-agent', 'webhook-id', 'webhook-timestamp']);

/**
 * The request headers of an attempt as its record keeps them (`delivery_attempts.request_headers`,
 * for the consumer portal and `deliveries.get` once an attempt is stored): every name, the values
 * of the Standard Webhooks id and timestamp, content type and user agent as sent; each signature
 * as its version only (`v1,***`); every other value (custom and transformation headers, which may
 * be credentials) as `***`. `authScheme`: the `Authorization` receiver auth adds (`Basic`,
 * `Bearer`), shown as the scheme alone. Pure.
 */
export function shownRequestHeaders(headers: Record<string, string>, authScheme: 'Basic' | 'Bearer' | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' && authScheme !== null) continue;
    if (SHOWN.has(lower)) out[name] = value;
    else if (lower === 'webhook-signature')
      out[name] = value
        .split(' ')
        .map((sig) => `${sig.split(',')[0]},***`)
        .join(' ');
    else out[name] = '***';
  }
  if (authScheme !== null) out.authorization = `${authScheme} ***`;
  return out;
}
