import fs from 'node:fs/promises';
import { Connection } from '@temporalio/client';
import { temporalEnums } from './temporal-proto.js';

const { TaskQueueType } = temporalEnums;

export interface QueueSample {
  atMs: number;
  /** The task queue's workflow-task backlog (normal queue, all partitions, approximate). */
  backlog: number;
  /** Age of its oldest task, ms. */
  backlogAgeMs: number;
  /** The worker's free workflow-task and local-activity slots (SDK metrics). */
  wftSlotsFree: number;
  laSlotsFree: number;
  /** The machine's CPU busy share since the previous sample, 0–1 (/proc/stat). */
  cpuBusy: number;
}

export interface QueueSummary {
  samples: number;
  maxBacklog: number;
  maxBacklogAgeMs: number;
  minWftSlotsFree: number;
  minLaSlotsFree: number;
  /** Share of samples with no free workflow-task slot. */
  wftSlotsExhausted: number;
  /** Mean of the machine's CPU busy share over the samples. */
  meanCpuBusy: number;
}

/** Busy and total jiffies of all CPUs. */
async function cpuTimes(): Promise<{ busy: number; total: number }> {
  const line = (await fs.readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function gauge(text: string, workerType: string): number {
  const line = text
    .split('\n')
    .find((l) => l.startsWith('temporal_worker_task_slots_available') && l.includes(`worker_type="${workerType}"`));
  return line ? Number(line.trim().split(/\s+/).pop()) : Number.NaN;
}

/**
 * Samples, once a second, the workflow-task backlog of a task queue (DescribeTaskQueue with
 * stats) and a worker's free slots (its /metrics). Diagnostic for the noisy-neighbour scenario:
 * it says whether B's wait is in the server's queue or in the worker.
 */
export async function startQueueSampler(address: string, namespace: string, taskQueue: string, workerMetricsUrl: string) {
  const connection = await Connection.connect({ address });
  const samples: QueueSample[] = [];
  let stopped = false;
  let lastCpu = await cpuTimes();
  const loop = (async () => {
    while (!stopped) {
      const t0 = Date.now();
      const cpu = await cpuTimes();
      const cpuBusy = cpu.total > lastCpu.total ? (cpu.busy - lastCpu.busy) / (cpu.total - lastCpu.total) : 0;
      lastCpu = cpu;
      try {
        const [desc, metrics] = await Promise.all([
          connection.workflowService.describeTaskQueue({
            namespace,
            taskQueue: { name: taskQueue },
            taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            reportStats: true,
          }),
          fetch(workerMetricsUrl, { signal: AbortSignal.timeout(2_000) })
            .then((r) => r.text())
            .catch(() => ''),
        ]);
        const age = desc.stats?.approximateBacklogAge;
        samples.push({
          atMs: t0,
          backlog: Number(desc.stats?.approximateBacklogCount ?? 0),
          backlogAgeMs: age ? Number(age.seconds ?? 0) * 1000 + Math.round((age.nanos ?? 0) / 1e6) : 0,
          wftSlotsFree: gauge(metrics, 'WorkflowWorker'),
          laSlotsFree: gauge(metrics, 'LocalActivityWorker'),
          cpuBusy,
        });
      } catch {
        // A busy server may time out a describe; the next second tries again.
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 1_000 - (Date.now() - t0))));
    }
  })();
  return {
    async stop(): Promise<QueueSummary> {
      stopped = true;
      await loop;
      await connection.close();
      const finite = (xs: number[]) => xs.filter(Number.isFinite);
      const wft = finite(samples.map((s) => s.wftSlotsFree));
      return {
        samples: samples.length,
        maxBacklog: Math.max(0, ...samples.map((s) => s.backlog)),
        maxBacklogAgeMs: Math.max(0, ...samples.map((s) => s.backlogAgeMs)),
        minWftSlotsFree: wft.length ? Math.min(...wft) : Number.NaN,
        minLaSlotsFree: Math.min(...finite(samples.map((s) => s.laSlotsFree)), Number.POSITIVE_INFINITY),
        wftSlotsExhausted: wft.length ? wft.filter((n) => n === 0).length / wft.length : Number.NaN,
        meanCpuBusy: samples.length ? samples.reduce((a, x) => a + x.cpuBusy, 0) / samples.length : Number.NaN,
      };
    },
    samples,
  };
}
