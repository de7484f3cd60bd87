import { compileFilter } from './webhook-filter.js';

/** The webhook row's two filter columns for a filter the API validated (null: no filter). */
export function filterColumns(filter: Record<string, unknown> | null): { filter: string | null; filter_path: string | null } {
  return filter === null ? { filter: null, filter_path: null } : { filter: JSON.stringify(filter), filter_path: compileFilter(filter) };
}
