import { createRequire } from 'node:module';

/** Temporal's proto enums: the package is CommonJS with a namespace object ESM imports cannot name. */
export const temporalEnums = (createRequire(import.meta.url)('@temporalio/proto') as typeof import('@temporalio/proto')).temporal.api.enums
  .v1;
