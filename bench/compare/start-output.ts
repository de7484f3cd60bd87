// What `npm start` prints once it is up, read as text so any version of Herald is read the same
// way (src/main/start.ts): a "Herald is running" line and, on a fresh data dir, the key of the
// "default" team on the line after `First start: created team "default" with API key …`.

const RUNNING = 'Herald is running';
const KEY_MARKER = 'First start: created team "default" with API key';

export interface StartOutput {
  /** The "Herald is running" line has been printed. */
  running: boolean;
  /** The first-start API key, once its whole line (ending in a newline) has been printed. */
  apiKey?: string;
}

/** Reads everything `npm start` printed to stdout so far (may end mid-line). */
export function parseStartOutput(stdout: string): StartOutput {
  const running = stdout.includes(RUNNING);
  const at = stdout.indexOf(KEY_MARKER);
  if (at < 0) return { running };
  // The key is the first non-blank complete line after the marker's line.
  const lines = stdout.slice(at).split('\n');
  const complete = lines.slice(1, -1); // the last piece has no newline yet
  const key = complete.map((l) => l.trim()).find((l) => l.length > 0);
  return key ? { running, apiKey: key } : { running };
}

/**
 * The environment for one Herald under comparison: the caller's, without any Herald, Temporal or
 * database setting (each side runs with embedded defaults, not whatever the shell has exported),
 * plus the bench's own: loopback API, free ports, a fresh data dir, quiet logs and an API rate
 * limit the load cannot reach. HERALD_CACHE_DIR and TEMPORAL_CLI are kept: they only say where
 * the Temporal CLI binary is, which both sides share.
 */
export function heraldEnv(
  inherited: NodeJS.ProcessEnv,
  o: { dataDir: string; apiPort: number; pgPort: number; temporalPort: number; temporalUiPort: number },
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(inherited)) {
    const keep = k === 'HERALD_CACHE_DIR' || k === 'TEMPORAL_CLI';
    if (!keep && (k.startsWith('HERALD_') || k.startsWith('TEMPORAL_') || k === 'DATABASE_URL')) continue;
    env[k] = v;
  }
  return {
    ...env,
    HERALD_DATA_DIR: o.dataDir,
    HERALD_ALLOW_PRIVATE_TARGETS: 'true', // the receiver is on 127.0.0.1
    HERALD_API_HOST: '127.0.0.1',
    HERALD_API_PORT: String(o.apiPort),
    HERALD_EMBEDDED_PG_PORT: String(o.pgPort),
    HERALD_TEMPORAL_PORT: String(o.temporalPort),
    HERALD_TEMPORAL_UI_PORT: String(o.temporalUiPort),
    HERALD_API_RATE_LIMIT_PER_MINUTE: '1000000', // the schema's maximum
    HERALD_LOG_LEVEL: 'warn',
  };
}
