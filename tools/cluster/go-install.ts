import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** `go` on PATH, else the usual tarball location; undefined when neither exists. */
export function findGo(pathEnv: string): string | undefined {
  for (const dir of pathEnv.split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'go'))) return path.join(dir, 'go');
  }
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined;
}

/**
 * `go install <pkg>` into a temp dir next to the target, then renames the binary into place, so
 * an interrupted build never leaves a broken binary. Runs under `nice -n 19` with GOMAXPROCS=2:
 * a multi-minute build must not starve whatever else the machine is doing.
 */
export async function goInstallBinary(opts: {
  go: string;
  pkg: string;
  /** Name `go install` gives the binary (the package's last path element). */
  builtName: string;
  target: string;
  label: string;
  log: (line: string) => void;
}): Promise<void> {
  const dir = path.dirname(opts.target);
  await fs.mkdir(dir, { recursive: true });
  const tmpBin = await fs.mkdtemp(path.join(dir, '.build-'));
  const started = Date.now();
  const ticker = setInterval(() => opts.log(`  still building ${opts.label}... ${Math.round((Date.now() - started) / 1000)}s`), 15_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const nice = existsSync('/usr/bin/nice') ? ['/usr/bin/nice', '-n', '19'] : [];
      const [cmd, ...args] = [...nice, opts.go, 'install', opts.pkg];
      const child = spawn(cmd!, args, {
        env: { ...process.env, GOBIN: tmpBin, GOFLAGS: '-buildvcs=false', GOMAXPROCS: process.env.GOMAXPROCS ?? '2' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let tail = '';
      const onData = (b: Buffer) => {
        const text = b.toString();
        tail = (tail + text).slice(-4000);
        for (const line of text.split('\n')) if (line.trim()) opts.log(`  go: ${line.trim()}`);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`go install ${opts.pkg} failed (exit ${code}):\n${tail}`))));
    });
    await fs.rename(path.join(tmpBin, opts.builtName), opts.target);
    opts.log(`${opts.label} built in ${Math.round((Date.now() - started) / 1000)}s`);
  } finally {
    clearInterval(ticker);
    await fs.rm(tmpBin, { recursive: true, force: true });
  }
}
