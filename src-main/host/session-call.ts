/**
 * Runs one already-validated session call on a VaultSession (in the worker, or in-process).
 * Only SESSION_CHANNELS are reachable; the channel is looked up with own-property checks so a
 * name such as `__proto__.x` can never reach an inherited function.
 */
import { err, outcome, type Result } from '../api/result';
import { SESSION_CHANNELS, type VaultSession } from '../services/session-types';
import { errorOutcome } from './error-outcome';

type ServiceMethod = (input: unknown) => Promise<Result<unknown>>;

export async function callSessionService(session: VaultSession, channel: string, input: unknown): Promise<Result<unknown>> {
  if (!SESSION_CHANNELS.includes(channel)) {
    return err(outcome('not-supported', `"${channel}" is not a vault session method`, { status: 404 }));
  }
  const [domainName, methodName] = channel.split('.') as [string, string];
  // SessionServices is a typed record of domains; here it is indexed by a checked channel name.
  const services = session.services as Record<string, Record<string, unknown>>;
  const domain = Object.hasOwn(services, domainName) ? services[domainName] : undefined;
  const fn = domain && Object.hasOwn(domain, methodName) ? domain[methodName] : undefined;
  if (typeof fn !== 'function') {
    return err(outcome('not-supported', `API method "${channel}" is not implemented`, { status: 501 }));
  }
  try {
    return await (fn as ServiceMethod).call(domain, input);
  } catch (e) {
    return err(errorOutcome(e));
  }
}
