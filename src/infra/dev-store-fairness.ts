import fs from 'node:fs/promises';

/**
 * The task-queue fairness mode of a persisted dev-server store. A store keeps the mode it was
 * created with: on Temporal server 1.29, switching matching.enableFairness on or off moves
 * matching to another task table, and tasks already waiting in the old one are never dispatched
 * (verified: a workflow task queued 75 s before a restart with fairness on never ran). Newer
 * servers drain the old backlog (matching.enableMigration); 1.29 does not.
 *
 * The mode is kept next to the SQLite file in `<dbFile>.fairness` (`on` or `off`). A store that
 * exists without it was created before Herald set fairness, so it is `off`. In-memory stores
 * (tests) always get `wanted`.
 */
export async function devStoreFairness(
  dbFile: string | undefined,
  wanted: boolean,
  log: (line: string) => void = () => undefined,
): Promise<boolean> {
  if (!dbFile) return wanted;
  const markerFile = `${dbFile}.fairness`;
  const marker = await fs.readFile(markerFile, 'utf8').then((s) => s.trim(), () => null);
  let mode: boolean;
  if (marker === 'on' || marker === 'off') mode = marker === 'on';
  else {
    const storeExists = await fs.access(dbFile).then(() => true, () => false);
    mode = storeExists ? false : wanted;
    await fs.writeFile(markerFile, `${mode ? 'on' : 'off'}\n`);
  }
  if (mode !== wanted) {
    log(
      `task-queue fairness stays ${mode ? 'on' : 'off'} for ${dbFile}: the store was created that way, and switching it ` +
        `would strand the deliveries waiting in its task queue (README "Noisy neighbours" says how to switch safely)`,
    );
  }
  return mode;
}
