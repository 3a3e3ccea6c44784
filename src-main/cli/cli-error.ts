/**
 * Expected CLI failures: printed as ONE line `hearth: <reason>` with a non-zero exit code, never
 * with a stack trace.
 */
import { describeOutcome } from '../api/result';
import { OperationOutcomeError } from '../fhir/outcome-error';
import { VaultError } from '../vault/types';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The one-line reason for anything thrown; `undefined` for unexpected errors (a bug: show the stack). */
export function expectedReason(e: unknown): string | undefined {
  if (e instanceof CliError) return e.message;
  if (e instanceof OperationOutcomeError) return describeOutcome(e.outcome);
  if (e instanceof VaultError) {
    const reason = e.code === 'wrong-passphrase' ? 'wrong passphrase' : e.message;
    return e.file && !reason.includes(e.file) ? `${reason} (${e.file})` : reason;
  }
  if (e instanceof RangeError && /PBKDF2|passphrase/.test(e.message)) return e.message;
  return undefined;
}

/** Single line, whatever the message holds. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
