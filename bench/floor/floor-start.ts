import type { StartOutput } from '../compare/start-output.js';

// The contract between bench/floor/floor-server.ts and the bench that spawns it: the receiver
// URL it POSTs to comes in FLOOR_TARGET_URL (every other setting is Herald's own environment,
// bench/compare/start-output.ts heraldEnv), and it prints FLOOR_RUNNING once it takes publishes.

export const FLOOR_TARGET_ENV = 'FLOOR_TARGET_URL';
export const FLOOR_RUNNING = 'Floor is running';

/**
 * spawnHerald's reading of the floor's stdout: running once FLOOR_RUNNING is printed. The floor
 * checks no API key; the bench's publisher still sends one, so it gets a placeholder.
 */
export function parseFloorStartOutput(stdout: string): StartOutput {
  return stdout.includes(FLOOR_RUNNING) ? { running: true, apiKey: 'floor-checks-no-key' } : { running: false };
}
