/**
 * What is running, as stop functions: `stopAll` runs them newest first (a Herald before the
 * receiver, both before the worktree they run from is removed), each at most once however often
 * it is called (the normal `finally` path and a Ctrl-C handler may both reach it).
 */
export function stopStack() {
  const stack: (() => Promise<void>)[] = [];
  return {
    /** Registers `stop`; returns it wrapped so that it runs once and leaves the stack when done. */
    push(stop: () => Promise<void>): () => Promise<void> {
      let running: Promise<void> | undefined;
      const once = () =>
        (running ??= stop().finally(() => {
          const i = stack.indexOf(once);
          if (i >= 0) stack.splice(i, 1);
        }));
      stack.push(once);
      return once;
    },
    /** Stops everything still registered, newest first, one after the other; never rejects. */
    async stopAll(): Promise<void> {
      for (const stop of [...stack].reverse()) await stop().catch(() => undefined);
    },
  };
}
