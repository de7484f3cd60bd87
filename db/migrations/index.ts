import type { Migration } from 'kysely';
import * as initial from './2026-11-24T120000_initial.js';

/** Registry of migrations in order; names are their timestamps and never change. */
export const migrations: Record<string, Migration> = {
  '2026-11-24T120000_initial': initial,
};
