import { describe, expect, it } from 'vitest';
import { createApi } from '../../../src-main/api/client';
import type { HearthServices } from '../../../src-main/api/contract';
import { contract } from '../../../src-main/api/contract';
import { createDispatcher } from '../../../src-main/api/dispatch';
import { API_METHODS, allChannels } from '../../../src-main/api/methods';
import { err, ok, outcome } from '../../../src-main/api/result';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';

/** Services whose every method records its (validated) input and answers it back. */
function echoServices(calls: Array<{ channel: string; input: unknown }>): HearthServices {
  const services: Record<string, Record<string, (input: unknown) => Promise<unknown>>> = {};
  for (const [domain, methods] of Object.entries(API_METHODS)) {
    services[domain] = {};
    for (const method of methods) {
      services[domain]![method] = async (input) => {
        calls.push({ channel: `${domain}.${method}`, input });
        return ok(input);
      };
    }
  }
  return services as unknown as HearthServices;
}

describe('API contract and dispatcher', () => {
  it('lists the same methods in methods.ts and in the contract', () => {
    for (const [domain, methods] of Object.entries(contract)) {
      expect(Object.keys(methods).sort()).toEqual([...API_METHODS[domain as keyof typeof API_METHODS]].sort());
    }
    expect(allChannels()).toContain('vault.unlock');
  });

  it('validates payloads and applies defaults before calling the service', async () => {
    const calls: Array<{ channel: string; input: unknown }> = [];
    const dispatch = createDispatcher(echoServices(calls));
    const good = await dispatch('resources.list', { resourceType: 'Patient' });
    expect(good).toEqual({ ok: true, value: { resourceType: 'Patient', offset: 0, count: 50 } });

    const bad = await dispatch('resources.list', { resourceType: 'patient; DROP TABLE', count: 5000 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.resourceType).toBe('OperationOutcome');
      expect(bad.error.issue.map((i) => i.expression?.[0])).toEqual(['resourceType', 'count']);
    }
    const extra = await dispatch('vault.lock', { sneaky: true });
    expect(extra.ok).toBe(false);
    expect(calls.map((c) => c.channel)).toEqual(['resources.list']);
  });

  it('refuses unknown channels, including prototype names', async () => {
    const dispatch = createDispatcher(echoServices([]));
    for (const channel of ['nope.nothing', 'vault.__proto__', 'constructor.name', 'vault', '']) {
      const result = await dispatch(channel, {});
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.issue[0]?.code).toBe('not-supported');
    }
  });

  it('turns thrown errors into OperationOutcome values', async () => {
    const services = echoServices([]);
    services.resources.read = async () => {
      throw new OperationOutcomeError(outcome('not-found', 'Patient/x is not known'));
    };
    services.resources.counts = async () => {
      throw new Error('disk on fire');
    };
    services.resources.types = async () => err(outcome('forbidden', 'no'));
    const api = createApi(createDispatcher(services));
    const read = await api.resources.read({ resourceType: 'Patient', id: 'x' });
    expect(read).toMatchObject({ ok: false, error: { issue: [{ code: 'not-found' }] } });
    const counts = await api.resources.counts({});
    expect(counts).toMatchObject({ ok: false, error: { issue: [{ code: 'exception', diagnostics: 'disk on fire' }] } });
    expect(await api.resources.types({})).toMatchObject({ ok: false, error: { issue: [{ code: 'forbidden' }] } });
  });
});
