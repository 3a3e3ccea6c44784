/**
 * The run-time gate in front of the services: resolves a channel name, validates the payload
 * against the contract's schema, calls the service and turns anything thrown into an
 * OperationOutcome. Every transport (Electron IPC, HTTP, worker, tests) goes through here.
 */
import type { z } from 'zod';
import { contract, type HearthServices } from './contract';
import { err, isOperationOutcome, outcome, type Result } from './result';

export type Dispatch = (channel: string, payload: unknown) => Promise<Result<unknown>>;

type AnyMethod = (input: unknown) => Promise<Result<unknown>>;

/** Looks a channel up in the contract; undefined for anything it does not define. */
export function resolveChannel(channel: string): { domain: string; method: string; schema: z.ZodType } | undefined {
  const dot = channel.indexOf('.');
  if (dot <= 0) return undefined;
  const domain = channel.slice(0, dot);
  const method = channel.slice(dot + 1);
  if (!Object.hasOwn(contract, domain)) return undefined;
  const methods = contract[domain as keyof typeof contract] as Record<string, { input: z.ZodType }>;
  if (!Object.hasOwn(methods, method)) return undefined;
  return { domain, method, schema: methods[method]!.input };
}

/** Formats zod issues as an OperationOutcome with one issue per problem. */
export function validationOutcome(channel: string, error: z.ZodError) {
  return {
    resourceType: 'OperationOutcome' as const,
    issue: error.issues.map((issue) => ({
      severity: 'error' as const,
      code: 'invalid' as const,
      diagnostics: `${channel}: ${issue.message}${issue.path.length ? ` (at ${issue.path.join('.')})` : ''}`,
      ...(issue.path.length ? { expression: [issue.path.join('.')] } : {}),
    })),
  };
}

/** Turns an unexpected exception into an outcome. The message may name files, never content. */
export function exceptionOutcome(e: unknown) {
  if (isOperationOutcome(e)) return e;
  const carried = (e as { outcome?: unknown } | null)?.outcome;
  if (isOperationOutcome(carried)) return carried;
  const message = e instanceof Error ? e.message : String(e);
  return outcome('exception', message || 'Unexpected error', { status: 500 });
}

export function createDispatcher(services: HearthServices): Dispatch {
  return async (channel, payload) => {
    const resolved = resolveChannel(channel);
    if (!resolved) return err(outcome('not-supported', `Unknown API method "${channel}"`, { status: 404 }));
    const parsed = resolved.schema.safeParse(payload ?? {});
    if (!parsed.success) return err(validationOutcome(channel, parsed.error));
    const domain = services[resolved.domain as keyof HearthServices] as unknown as Record<string, AnyMethod>;
    const fn = domain[resolved.method];
    if (!fn) return err(outcome('not-supported', `API method "${channel}" is not implemented`, { status: 501 }));
    try {
      const result = await fn.call(domain, parsed.data);
      return result;
    } catch (e) {
      return err(exceptionOutcome(e));
    }
  };
}
