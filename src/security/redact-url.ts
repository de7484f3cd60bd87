// Pure and import-free, so workflow code may use it as well as the API.

/** A path segment holding a run of 20+ [A-Za-z0-9_-] with letters and digits looks like a credential. */
const TOKEN_RUN = /[A-Za-z0-9_-]{20,}/g;
const looksLikeToken = (segment: string) => (segment.match(TOKEN_RUN) ?? []).some((run) => /[A-Za-z]/.test(run) && /\d/.test(run));

/**
 * A webhook URL fit to show where secrets must not be (the Temporal UI summary): userinfo,
 * query string and fragment are replaced by `***`, and so is every path segment that looks like
 * a token (Slack's, Discord's and similar hook URLs carry their secret there).
 * `https://u:p@h.example/hooks/T0/abc123…?token=x` → `https://***@h.example/hooks/T0/***?***`.
 */
export function redactUrl(raw: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/.exec(raw);
  if (!m) return '***';
  const [, scheme = '', authority = '', path = '', query, fragment] = m;
  const at = authority.lastIndexOf('@');
  const host = at === -1 ? authority : `***@${authority.slice(at + 1)}`;
  const safePath = path
    .split('/')
    .map((s) => (looksLikeToken(s) ? '***' : s))
    .join('/');
  return `${scheme}${host}${safePath}${query ? '?***' : ''}${fragment ? '#***' : ''}`;
}
