import { Command, Option } from 'commander';
import { serverUrlOptions } from '../plan/options.ts';
import type { OptionDeclaration } from '../plan/options.ts';

/** Commander's accumulator for a repeatable option. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--<kind>-url` for every server kind, from its definition. */
export function withServerUrlOptions(command: Command): Command {
  for (const { flags, help } of serverUrlOptions()) command.option(flags, help);
  return command;
}

/**
 * Adds declared options to a command: flags, help and default from one declaration each
 * (harness/plan/options.ts). `withDefaults: false` leaves every value unset unless given (a
 * variant's own options, merged over the shared ones).
 */
export function withOptions(command: Command, declarations: readonly OptionDeclaration[], withDefaults = true): Command {
  for (const declaration of declarations) {
    const option = new Option(declaration.flags, declaration.help);
    if (declaration.conflicts) option.conflicts([...declaration.conflicts]);
    if (declaration.repeatable) option.argParser(collect).default(withDefaults ? [] : undefined);
    else if (declaration.default !== undefined && withDefaults) option.default(declaration.default);
    command.addOption(declaration.hidden ? option.hideHelp() : option);
  }
  return command;
}
