import { Client, Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';
import { temporalEnums } from './temporal-proto.js';

const { EventType } = temporalEnums;

export interface Breakdown {
  samples: number;
  /** Publish call start → workflow started (the API: its queue, Postgres, the start call), ms. */
  apiMs: number;
  /** First workflow task scheduled → started (waiting in the task queue for a worker's poll), ms. */
  queueMs: number;
  /** First workflow task started → arrival at the receiver (the worker: its event loop, the attempt's load statement, the send), ms. */
  workerMs: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN;
};

/**
 * Where the slowest deliveries spent their time, from their Temporal histories: the medians of
 * the three stages over the `n` slowest (by publish → arrival). One loopback machine, one clock.
 */
export async function latencyBreakdown(
  address: string,
  namespace: string,
  items: { workflowId: string; sentAtMs: number; arrivedAtMs: number }[],
  n = 20,
): Promise<Breakdown> {
  const slowest = [...items].sort((a, b) => b.arrivedAtMs - b.sentAtMs - (a.arrivedAtMs - a.sentAtMs)).slice(0, n);
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    const api: number[] = [];
    const queue: number[] = [];
    const worker: number[] = [];
    for (const it of slowest) {
      const history = await client.workflow.getHandle(it.workflowId).fetchHistory();
      const at = (t: number) => {
        const e = history.events?.find((x) => x.eventType === t);
        return e?.eventTime ? tsToMs(e.eventTime) : Number.NaN;
      };
      const started = at(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
      const scheduled = at(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
      const taken = at(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
      api.push(started - it.sentAtMs);
      queue.push(taken - scheduled);
      worker.push(it.arrivedAtMs - taken);
    }
    return { samples: slowest.length, apiMs: median(api), queueMs: median(queue), workerMs: median(worker) };
  } finally {
    await connection.close();
  }
}
