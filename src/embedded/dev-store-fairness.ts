import fs from 'node:fs/promises';

/**
 * The task-queue fairness mode of a persisted Temporal store (the dev server's SQLite file, or
 * `npm run cluster`'s databases). A store keeps the mode it was created with: on Temporal server
 * 1.29, switching matching.enableFairness on or off moves matching to another task table, and
 * tasks already waiting in the old one are never dispatched (verified: a workflow task queued
 * 75 s before a restart with fairness on never ran). Newer servers drain the old backlog
 * (matching.enableMigration); 1.29 does not.
 *
 * The mode is kept in `markerFile` (`on` or `off`). A store that existed without one was created
 * before Herald set fairness, so it is `off`.
 */
export async function storeFairness(opts: {
  markerFile: string;
  storeExisted: boolean;
  wanted: boolean;
  log?: (line: string) => void;
}): Promise<boolean> {
  const marker = await fs.readFile(opts.markerFile, 'utf8').then(
    (s) => s.trim(),
    () => null,
  );
  let mode: boolean;
  if (marker === 'on' || marker === 'off') mode = marker === 'on';
  else {
    mode = opts.storeExisted ? false : opts.wanted;
    await fs.writeFile(opts.markerFile, `${mode ? 'on' : 'off'}\n`);
  }
  if (mode !== opts.wanted) {
    opts.log?.(
      `task-queue fairness stays ${mode ? 'on' : 'off'} for the Temporal store at ${opts.markerFile.replace(/[./]fairness$/, '')}: ` +
        `it was created that way, and switching would strand the tasks waiting in its queue (README "Production", step 4, says how to switch safely)`,
    );
  }
  return mode;
}

/** The dev server's store: `<dbFile>.fairness` beside its SQLite file; in-memory stores (tests) get `wanted`. */
export async function devStoreFairness(dbFile: string | undefined, wanted: boolean, log?: (line: string) => void): Promise<boolean> {
  if (!dbFile) return wanted;
  const storeExisted = await fs.access(dbFile).then(
    () => true,
    () => false,
  );
  return storeFairness({ markerFile: `${dbFile}.fairness`, storeExisted, wanted, log });
}
