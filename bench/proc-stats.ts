import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

// Linux process accounting for the embedded Temporal dev server and PostgreSQL, which run as
// descendants of this process. With external services there are no such descendants and the
// figures come back as null (we cannot see another machine's processes).

/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ, almost always 100). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcGroups {
  temporal: number[];
  postgres: number[];
}

/**
 * Descendants of `root` (default: this process) grouped by program, from one `ps` listing.
 * PostgreSQL backends are children of the postmaster, so they are included; the receiver
 * child (node) is not in either group.
 */
export function findServicePids(root = process.pid): ProcGroups {
  const children = childrenByParent();
  const groups: ProcGroups = { temporal: [], postgres: [] };
  for (const c of descendants(children, root)) {
    if (c.comm.startsWith('temporal')) groups.temporal.push(c.pid);
    else if (c.comm.startsWith('postgres')) groups.postgres.push(c.pid);
  }
  return groups;
}

type ProcEntry = { pid: number; comm: string };

/** ppid → its children, from one `ps` listing (empty when ps fails). */
function childrenByParent(): Map<number, ProcEntry[]> {
  let out = '';
  try {
    out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' });
  } catch {
    return new Map();
  }
  const children = new Map<number, ProcEntry[]>();
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const ppid = Number(m[2]);
    const list = children.get(ppid) ?? [];
    list.push({ pid: Number(m[1]), comm: m[3]!.trim() });
    children.set(ppid, list);
  }
  return children;
}

function descendants(children: Map<number, ProcEntry[]>, root: number): ProcEntry[] {
  const out: ProcEntry[] = [];
  const stack = [root];
  for (let guard = 0; stack.length && guard < 10_000; guard++) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c.pid);
    }
  }
  return out;
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * CPU ms so far of the Temporal and PostgreSQL servers under `root`, by part: a cluster's
 * `temporal-server` processes by their `--service` (frontend, history, matching, worker), the
 * dev server (`dev server`), the UI (`ui`); each PostgreSQL server with its backends, as
 * `cluster PostgreSQL` when its data dir is a cluster's (`cluster-pg`), else `Herald PostgreSQL`.
 */
export function cpuByPart(root = process.pid): Record<string, number> {
  const children = childrenByParent();
  const parts: Record<string, number> = {};
  const add = (part: string, pids: number[]) => (parts[part] = (parts[part] ?? 0) + cpuMs(pids));
  const stack = [root];
  for (let guard = 0; stack.length && guard < 10_000; guard++) {
    for (const c of children.get(stack.pop()!) ?? []) {
      if (c.comm.startsWith('postgres')) {
        // The postmaster: charged with its backends (live ones, and reaped ones in its cutime).
        const part = cmdline(c.pid).includes('cluster-pg') ? 'cluster PostgreSQL' : 'Herald PostgreSQL';
        add(part, [c.pid, ...descendants(children, c.pid).map((d) => d.pid)]);
        continue;
      }
      if (c.comm.startsWith('temporal')) {
        const cmd = cmdline(c.pid);
        add(/--service (\w+)/.exec(cmd)?.[1] ?? (cmd.includes('start-dev') ? 'dev server' : c.comm.includes('ui') ? 'ui' : c.comm), [
          c.pid,
        ]);
      }
      stack.push(c.pid);
    }
  }
  return parts;
}

/**
 * CPU ms used so far by these pids: utime + stime, plus cutime + cstime (children already
 * reaped, e.g. PostgreSQL backends that exited are charged to the postmaster). Gone pids count 0.
 */
export function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const p of pids) {
    try {
      // Fields after "(comm) ": state is [0], utime [11], stime [12], cutime [13], cstime [14].
      const [u, s, cu, cs] = statTicks(fs.readFileSync(`/proc/${p}/stat`, 'utf8'));
      ticks += u + s + cu + cs;
    } catch {
      /* exited */
    }
  }
  return (ticks * 1000) / CLK_TCK;
}

/**
 * Resident memory of these pids in MiB. `rss` is the sum of VmRSS, which counts shared pages
 * (PostgreSQL's shared buffers) once per process that touched them, so it overstates a
 * multi-process server; `anon` (RssAnon, private memory) does not.
 */
export function rssMiB(pids: readonly number[]): { rss: number; anon: number } {
  let rssKb = 0;
  let anonKb = 0;
  for (const p of pids) {
    try {
      const s = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0);
      anonKb += Number(/RssAnon:\s+(\d+)/.exec(s)?.[1] ?? 0);
    } catch {
      /* exited */
    }
  }
  return { rss: rssKb / 1024, anon: anonKb / 1024 };
}

/** CPU ms used by this process so far (user + system, all threads: API, worker core, load generator). */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const exposedGc: (() => void) | undefined = (() => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    // `npm run bench` cannot pass --expose-gc; this is the documented V8 flag route to the same gc().
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
})();

/** Full GC when available (twice: the first pass may only schedule finalizers). */
export function forceGc(): boolean {
  if (!exposedGc) return false;
  exposedGc();
  exposedGc();
  return true;
}

/** Bytes of a file, 0 if missing. */
export function fileBytes(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** utime, stime, cutime, cstime of one /proc stat line, in ticks (fields after "(comm) "). */
function statTicks(stat: string): [number, number, number, number] {
  const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return [Number(f[11]), Number(f[12]), Number(f[13]), Number(f[14])];
}

/**
 * CPU ms used so far by one process itself, all threads (utime + stime, without reaped children:
 * Herald's children are the Temporal and PostgreSQL servers, counted on their own). NaN if gone.
 */
export function processCpuMs(pid: number): number {
  try {
    const [u, s] = statTicks(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return ((u + s) * 1000) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU ms per thread of a process (default this one), grouped by name from /proc/<pid>/task:
 * `node main` is the main thread (tid = pid: the event loop with the API, activities and, in
 * this process, the load generator); `workflow-proces…` the SDK's workflow thread(s);
 * `tokio-runtime-w…` the SDK's Rust core (gRPC, history); `libuv-worker` / `V8 …` where Node
 * names them. Node 20 leaves its V8 platform workers (GC and compiler helpers) and the libuv
 * pool unnamed: they share the process name and are grouped as `node other`. Linux truncates
 * names to 15 characters; a trailing number is dropped so numbered threads group together.
 */
export function threadCpuMs(pid: number | 'self' = 'self'): Record<string, number> {
  const out: Record<string, number> = {};
  const mainTid = String(pid === 'self' ? process.pid : pid);
  let tasks: string[] = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  const names = tasks.map((t) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const [u, s] = statTicks(stat);
      return { tid: t, comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ms: ((u + s) * 1000) / CLK_TCK };
    } catch {
      return undefined; // thread exited
    }
  });
  const processName = names.find((n) => n?.tid === mainTid)?.comm;
  for (const n of names) {
    if (!n) continue;
    const name = n.tid === mainTid ? `${n.comm} main` : n.comm === processName ? `${n.comm} other` : n.comm.replace(/[-_ ]?\d+$/, '');
    out[name] = (out[name] ?? 0) + n.ms;
  }
  return out;
}
