import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The working tree this bench code belongs to (the "new" side). */
export const WORKING_TREE = path.resolve(import.meta.dirname, '../..');

/** `npm ci` bound, ms. */
const NPM_CI_TIMEOUT_MS = 15 * 60_000;
/** Written into node_modules once `npm ci` finished, so a leftover tree is reused only when complete. */
const READY_MARKER = path.join('node_modules', '.herald-compare-ready');

async function git(args: string[], cwd = WORKING_TREE): Promise<string> {
  const { stdout } = await run('git', args, { cwd, timeout: 120_000, maxBuffer: 16 * 2 ** 20 });
  return stdout.trim();
}

/** The commit sha a ref names (branch, tag, sha, HEAD~1 …); throws a readable error if none. */
export async function resolveRef(ref: string): Promise<string> {
  try {
    return await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new Error(`--compare: '${ref}' does not name a commit in ${WORKING_TREE}`);
  }
}

/** HEAD's sha and whether the working tree differs from it (bench/results/ output ignored). */
export async function workingTreeState(): Promise<{ sha: string; dirty: boolean }> {
  const sha = await git(['rev-parse', 'HEAD']);
  const status = await git(['status', '--porcelain']);
  const changed = status.split('\n').filter((l) => l.trim() && !l.slice(3).startsWith('bench/results/'));
  return { sha, dirty: changed.length > 0 };
}

/**
 * A detached worktree of `sha` at os.tmpdir()/herald-compare-<sha> with its own `npm ci`, so the
 * ref runs with exactly the dependencies of its lockfile. A complete one left by an earlier run
 * (same sha, `npm ci` finished) is reused. `remove` deletes it (git worktree remove --force).
 */
export async function prepareBaseTree(sha: string, say: (line: string) => void): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = path.join(os.tmpdir(), `herald-compare-${sha}`);
  const remove = async () => {
    await git(['worktree', 'remove', '--force', dir]).catch(async (err) => {
      say(`git worktree remove ${dir} failed (${String(err).split('\n')[0]}); deleting the directory and pruning`);
      await fs.rm(dir, { recursive: true, force: true });
      await git(['worktree', 'prune']).catch(() => undefined);
    });
  };
  const head = existsSync(dir) ? await git(['rev-parse', 'HEAD'], dir).catch(() => '') : '';
  if (head === sha && existsSync(path.join(dir, READY_MARKER))) {
    say(`base tree: reusing ${dir}`);
    return { dir, remove };
  }
  if (existsSync(dir)) await remove();
  await git(['worktree', 'prune']);
  say(`base tree: git worktree add --detach ${dir} ${sha.slice(0, 12)}`);
  await git(['worktree', 'add', '--detach', dir, sha]);
  try {
    await npmCi(dir, say);
  } catch (err) {
    await remove();
    throw err;
  }
  await fs.writeFile(path.join(dir, READY_MARKER), `${sha}\n`);
  return { dir, remove };
}

/** `npm ci --no-audit --no-fund` in `dir`, npm's output shown, a line every 15 s, bounded. */
function npmCi(dir: string, say: (line: string) => void): Promise<void> {
  say(`base tree: npm ci --no-audit --no-fund in ${dir}`);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
    const tick = setInterval(() => say(`base tree: npm ci still running (${Math.round((Date.now() - t0) / 1000)} s)`), 15_000);
    const timer = setTimeout(() => child.kill('SIGKILL'), NPM_CI_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearInterval(tick);
      clearTimeout(timer);
      if (code === 0) {
        say(`base tree: npm ci done in ${Math.round((Date.now() - t0) / 1000)} s`);
        resolve();
      } else
        reject(
          new Error(
            `npm ci in ${dir} failed (${signal ? `killed by ${signal}${signal === 'SIGKILL' ? `, over ${NPM_CI_TIMEOUT_MS / 60_000} min` : ''}` : `exit code ${code}`})`,
          ),
        );
    });
  });
}
