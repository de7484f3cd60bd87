import { type BenchContext, cpuPer, cpuSnapshot, setUpScenario } from './bench-context.js';
import { padding } from './load.js';

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const PUBLISHERS = 10;

/**
 * Ordered delivery's cost: the same `events` published by 10 concurrent publishers to one
 * unordered webhook, to one fifo webhook on a single ordering key (every delivery waits for the
 * one before), and to one fifo webhook over 100 keys. Deliveries/s from the first publish to the
 * last arrival, and CPU per delivery by process group, so the ratios to the unordered case are of
 * one run.
 */
export async function runOrdered(ctx: BenchContext, events: number) {
  const cases = [
    { name: 'unordered', ordering: 'none' as const, keys: 0 },
    { name: 'fifo, 1 key', ordering: 'fifo' as const, keys: 1 },
    { name: 'fifo, 100 keys', ordering: 'fifo' as const, keys: 100 },
  ];
  const pad = padding(ctx.opts.payloadBytes);
  const out = [];
  for (const [n, c] of cases.entries()) {
    const scenario = `ordered${n}`;
    const type = await setUpScenario(ctx, scenario, 1, { ordering: c.ordering });
    await ctx.rx.take();
    const cpu0 = cpuSnapshot();
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: PUBLISHERS }, async () => {
        for (let i = next++; i < events; i = next++)
          await ctx.h.publish(type, { sentAt: Date.now(), i, pad }, c.keys ? `k${i % c.keys}` : undefined);
      }),
    );
    const complete = await ctx.rx.waitFor(events, Math.max(120_000, events * 200));
    const cpu1 = cpuSnapshot();
    const arrivals = (await ctx.rx.take()).filter((a) => a.status === 200 && a.path.startsWith(`/${scenario}/`));
    const last = arrivals.reduce((m, a) => Math.max(m, a.at), t0);
    out.push({
      case: c.name,
      keys: c.keys,
      events,
      delivered: arrivals.length,
      complete,
      seconds: round((last - t0) / 1000, 2),
      deliveriesPerSecond: round(arrivals.length / Math.max(0.001, (last - t0) / 1000)),
      cpuPerDelivery: cpuPer(cpu0, cpu1, arrivals.length),
    });
    const r = out.at(-1)!;
    ctx.say(
      `ordered ${c.name}: ${r.delivered}/${events} in ${r.seconds} s → ${r.deliveriesPerSecond}/s, ${r.cpuPerDelivery.total} CPU ms/delivery`,
    );
  }
  const base = out[0]!;
  return out.map((r) => ({
    ...r,
    rateRatio: round(r.deliveriesPerSecond / base.deliveriesPerSecond, 2),
    cpuRatio: round(r.cpuPerDelivery.total / base.cpuPerDelivery.total, 2),
  }));
}
