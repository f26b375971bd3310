import type { FailureCause } from '../../contract/vocabulary.ts';

/** A store × scenario that cannot go on, with the cause recorded on its failed entry. */
export class EntryFailure extends Error {
  override readonly name = 'EntryFailure';
  constructor(
    readonly failureCause: FailureCause,
    message: string,
  ) {
    super(message);
  }
}

/** The cause of a failure thrown while running a scenario: a crash of the app wins over what it caused. */
export function failureCauseOf(error: unknown, crashed: boolean): FailureCause {
  if (crashed) return 'crash';
  return error instanceof EntryFailure ? error.failureCause : 'error';
}
