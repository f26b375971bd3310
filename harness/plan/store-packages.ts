import { UsageError } from '../errors.ts';
import { missingPackages, notInstalled } from '../../stores/store-packages.ts';
import { storeDefinition } from '../../stores/index.ts';
import type { AnyStoreId } from '../../stores/types.ts';

/**
 * A store named on the command line whose client packages are not installed is bad input: one line
 * naming them and the install command, nothing run. Call once custom stores are loaded (their server
 * kind needs its client too). `given` is how the user wrote the store (an id or a module path).
 */
export function requireStorePackages(store: AnyStoreId, given: string = store): void {
  const missing = missingPackages(store, storeDefinition(store).server);
  if (missing) throw new UsageError(`--store ${given}: ${notInstalled(missing)}; to run it: ${missing.install}`);
}
