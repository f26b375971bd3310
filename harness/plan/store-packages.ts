import { UsageError } from '../errors.ts';
import { missingPackages, notInstalled } from '../../stores/store-packages.ts';
import type { AnyStoreId } from '../../contract/vocabulary.ts';

/**
 * A store named on the command line whose client packages are not installed is bad input: one line
 * naming them and the install command, nothing run. `given` is how the user wrote the store.
 */
export function requireStorePackages(store: AnyStoreId, given: string = store): void {
  const missing = missingPackages(store);
  if (missing) throw new UsageError(`--store ${given}: ${notInstalled(missing)}; to run it: ${missing.install}`);
}
