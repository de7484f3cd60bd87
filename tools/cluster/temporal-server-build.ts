import { existsSync } from 'node:fs';
import path from 'node:path';
import { findGo, goInstallBinary } from './go-install.js';

/** Same server version as the pinned Temporal CLI (v1.5.1) embeds. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
/** The UI server module the same CLI embeds; its Go module ships the built web assets. */
export const TEMPORAL_UI_VERSION = 'v2.42.1';

export interface ServerBinaries {
  server: string;
  sqlTool: string;
  /** Undefined when the UI was not wanted or could not be built. */
  ui?: string;
}

const BINARIES = [
  { name: 'temporal-server', pkg: 'go.temporal.io/server/cmd/server', builtName: 'server' },
  { name: 'temporal-sql-tool', pkg: 'go.temporal.io/server/cmd/tools/sql', builtName: 'sql' },
] as const;

export function serverCacheDir(cacheDir: string): string {
  return path.join(cacheDir, 'temporal-server', TEMPORAL_SERVER_VERSION);
}

/**
 * Finds `temporal-server` and `temporal-sql-tool` (and the UI server) in the per-user cache,
 * building whatever is missing with Go: `go install <pkg>@v1.29.1`, several minutes the first
 * time, cached afterwards. A UI that fails to build is reported and skipped.
 */
export async function resolveServerBinaries(opts: {
  cacheDir: string;
  pathEnv: string;
  ui: boolean;
  log: (line: string) => void;
}): Promise<ServerBinaries> {
  const dir = serverCacheDir(opts.cacheDir);
  const target = (name: string) => path.join(dir, name);
  const missing = BINARIES.filter((b) => !existsSync(target(b.name)));
  const uiMissing = opts.ui && !existsSync(target('temporal-ui-server'));
  let go: string | undefined;
  if (missing.length > 0 || uiMissing) {
    go = findGo(opts.pathEnv);
    if (!go && missing.length > 0)
      throw new Error(`temporal-server ${TEMPORAL_SERVER_VERSION} is not in ${dir} and no Go toolchain was found to build it`);
  }
  if (missing.length > 0) opts.log(`Building Temporal server ${TEMPORAL_SERVER_VERSION} with Go (first run only; several minutes)...`);
  for (const b of missing) {
    await goInstallBinary({
      go: go!,
      pkg: `${b.pkg}@${TEMPORAL_SERVER_VERSION}`,
      builtName: b.builtName,
      target: target(b.name),
      label: b.name,
      log: opts.log,
    });
  }
  let ui: string | undefined;
  if (opts.ui) {
    if (uiMissing && go) {
      opts.log(`Building Temporal UI server ${TEMPORAL_UI_VERSION} with Go (first run only)...`);
      await goInstallBinary({
        go,
        pkg: `github.com/temporalio/ui-server/v2/cmd/server@${TEMPORAL_UI_VERSION}`,
        builtName: 'server',
        target: target('temporal-ui-server'),
        label: 'temporal-ui-server',
        log: opts.log,
      }).catch((err) => opts.log(`Temporal UI not built, continuing without it: ${String(err).split('\n')[0]}`));
    }
    if (existsSync(target('temporal-ui-server'))) ui = target('temporal-ui-server');
  }
  return { server: target('temporal-server'), sqlTool: target('temporal-sql-tool'), ui };
}
