import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freeClusterBasePort } from '../../tools/cluster/cluster-setup.js';

const listening: net.Server[] = [];
const listen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = net.createServer().once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => (listening.push(srv), resolve(true)));
  });

afterEach(async () => {
  await Promise.all(listening.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('freeClusterBasePort', () => {
  it('skips a base whose membership or metrics port is taken', async () => {
    const first = await freeClusterBasePort();
    // Take one of the first free base's offsets (metrics of the internal worker): it must move on.
    expect(await listen(first + 23)).toBe(true);
    const next = await freeClusterBasePort();
    expect(next).toBeGreaterThan(first);
    expect((next - 8400) % 100).toBe(0);
  });
});
