/** One line of the chaos table: what was published, what arrived, how long it took. */
export interface Row {
  scenario: string;
  accepted: number;
  refused: string;
  delivered: number;
  failedByPolicy: number;
  lost: number;
  duplicated: number;
  recoverySeconds: number;
  slowestPublishMs: number;
  note: string;
}

/** "N× CODE, …" from the publisher's refusal counts, or "0". */
export function refusedText(refused: Record<string, number>): string {
  return (
    Object.entries(refused)
      .map(([k, v]) => `${v}× ${k}`)
      .join(', ') || '0'
  );
}
