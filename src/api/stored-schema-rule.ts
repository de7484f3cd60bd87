import type { UnsafePattern } from '../security/schema-patterns.js';
import { formatPath } from './field-path.js';

/**
 * The rule of the 400 a publish gets when its event type's stored schema holds a pattern the
 * ReDoS guard refuses (a schema stored before the guard existed). The schema is not used, so the
 * payload is neither checked against it nor accepted: the team fixes it with `eventTypes.update`.
 */
export function unsafeStoredSchemaRule(type: string, unsafe: UnsafePattern): string {
  return `event type ${JSON.stringify(type)} has a stored schema refused by the ReDoS guard at ${formatPath(['schema', ...unsafe.path])}: ${unsafe.reason}; it was stored before the guard existed: fix it with eventTypes.update, then publish again`;
}
