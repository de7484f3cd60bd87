import type { HeraldConfig } from '../config.js';
import { installRuntime } from '../worker/install-runtime.js';

let installed: Promise<void> | undefined;

/**
 * The Temporal SDK's runtime can be installed once per process, before the first
 * NativeConnection; a second Herald in the same process (tests, the bench) reuses the first's.
 */
export function installRuntimeOnce(config: HeraldConfig): Promise<void> {
  installed ??= installRuntime(config);
  return installed;
}
