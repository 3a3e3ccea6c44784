/**
 * Passphrases for the CLI: from the environment (HEARTH_PASSPHRASE, HEARTH_NEW_PASSPHRASE) for
 * scripts, else typed on the terminal without echo. Never logged, never written anywhere.
 */
import { CliError } from './cli-error';

/** Reads one line from the TTY without echoing it. */
export function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    return Promise.reject(new CliError('no passphrase: set HEARTH_PASSPHRASE or run hearth in a terminal'));
  }
  process.stderr.write(question);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new CliError('cancelled', 130));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** The passphrase of an existing vault. */
export async function currentPassphrase(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env['HEARTH_PASSPHRASE'];
  if (fromEnv !== undefined && fromEnv.length > 0) return fromEnv;
  const typed = await promptHidden('Passphrase: ');
  if (typed.length === 0) throw new CliError('the passphrase is empty');
  return typed;
}

/** A new passphrase: from `envName`, else typed twice on the terminal. */
export async function newPassphrase(envName: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv.length > 0) return fromEnv;
  const first = await promptHidden('New passphrase: ');
  if (first.length === 0) throw new CliError('the passphrase is empty');
  const second = await promptHidden('Repeat the new passphrase: ');
  if (first !== second) throw new CliError('the passphrases do not match');
  return first;
}
