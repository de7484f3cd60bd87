import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Pinned Temporal CLI: the newest release that `go install` builds without a wrapper module. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const GO_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';

export type CliSource = 'env' | 'path' | 'cache' | 'go-build';
export interface ResolvedCli {
  path: string;
  source: CliSource;
}

/**
 * Finds a Temporal CLI binary, in order: the TEMPORAL_CLI setting, `temporal` on PATH, the
 * per-user cache, a fresh `go install` into that cache. Returns undefined when none works,
 * so the caller can fall back to the SDK's own download (machines with internet).
 */
export async function resolveTemporalCli(opts: {
  configuredPath?: string;
  cacheDir: string;
  pathEnv?: string;
  log?: (line: string) => void;
}): Promise<ResolvedCli | undefined> {
  const log = opts.log ?? (() => undefined);
  if (opts.configuredPath) {
    if (!existsSync(opts.configuredPath)) throw new Error(`TEMPORAL_CLI: no file at ${opts.configuredPath}`);
    return { path: opts.configuredPath, source: 'env' };
  }
  const onPath = findOnPath('temporal', opts.pathEnv ?? '');
  if (onPath) return { path: onPath, source: 'path' };
  const cached = cachedCliPath(opts.cacheDir);
  if (existsSync(cached)) return { path: cached, source: 'cache' };
  const go = findOnPath('go', opts.pathEnv ?? '') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) return undefined;
  log(`Building Temporal CLI ${TEMPORAL_CLI_VERSION} with Go (first run only, takes a few minutes)...`);
  await goInstall(go, path.dirname(cached), log);
  return { path: cached, source: 'go-build' };
}

export function cachedCliPath(cacheDir: string): string {
  return path.join(cacheDir, 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
}

function findOnPath(bin: string, pathEnv: string): string | undefined {
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, bin);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Builds into a temp dir, then renames, so an interrupted build never leaves a broken binary. */
async function goInstall(go: string, targetDir: string, log: (line: string) => void): Promise<void> {
  await fs.mkdir(targetDir, { recursive: true });
  const tmpBin = await fs.mkdtemp(path.join(targetDir, '.build-'));
  const started = Date.now();
  const ticker = setInterval(() => log(`  still building Temporal CLI... ${Math.round((Date.now() - started) / 1000)}s`), 15_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['install', `${GO_PACKAGE}@${TEMPORAL_CLI_VERSION}`], {
        env: { ...process.env, GOBIN: tmpBin, GOFLAGS: '-buildvcs=false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let tail = '';
      const onData = (b: Buffer) => {
        const text = b.toString();
        tail = (tail + text).slice(-4000);
        for (const line of text.split('\n')) if (line.trim()) log(`  go: ${line.trim()}`);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`go install failed (exit ${code}):\n${tail}`))));
    });
    await fs.rename(path.join(tmpBin, 'temporal'), path.join(targetDir, 'temporal'));
    log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)}s`);
  } finally {
    clearInterval(ticker);
    await fs.rm(tmpBin, { recursive: true, force: true });
  }
}
