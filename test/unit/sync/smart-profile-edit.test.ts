/**
 * Saving SMART Backend Services profiles as the Sync screen does (auth-profile.ts): the key as
 * text or as a file the service reads, editing a profile without giving its key again (the sealed
 * key is kept), and refusals on the field they concern (`issue.expression`), never echoing a key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { syncContract } from '../../../src-main/api/contract';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';
import type { ServerProfileInput } from '../../../src-main/sync/types';
import { newService } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'hearth-smart-edit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pem = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const base = 'https://fhir.example.org/r4';

/** The refusal's expression and text, from the OperationOutcomeError a save throws. */
async function refusal(save: Promise<unknown>): Promise<{ expression: string[] | undefined; text: string }> {
  try {
    await save;
  } catch (e) {
    if (!(e instanceof OperationOutcomeError)) throw e;
    const issue = e.outcome.issue?.[0];
    return { expression: issue?.expression, text: issue?.diagnostics ?? '' };
  }
  throw new Error('the save was not refused');
}

describe('SMART Backend Services profiles from the form', () => {
  it('keeps the sealed key when an edit gives none, and replaces it when a new one is given', async () => {
    const sync = newService(new MemoryRepository());
    const input = (auth: Partial<Extract<ServerProfileInput['auth'], { kind: 'smart-backend' }>>): ServerProfileInput => ({
      name: 'lake',
      baseUrl: base,
      auth: { kind: 'smart-backend', clientId: 'hearth', ...auth },
    });
    expect(await refusal(sync.saveProfile(input({})))).toEqual({ expression: ['auth.privateKey'], text: 'A SMART Backend Services profile needs its private key' });
    await sync.saveProfile(input({ privateKey: pem }));
    const sealed = (await sync.store.profile('lake'))?.secret;
    expect(sealed).toBeDefined();

    const edited = await sync.saveProfile(input({ scope: 'system/Patient.rs', tokenUrl: 'https://auth.example.org/token' }));
    expect(edited.smart).toEqual({ clientId: 'hearth', scope: 'system/Patient.rs', alg: 'ES384', tokenUrl: 'https://auth.example.org/token' });
    expect((await sync.store.profile('lake'))?.secret).toEqual(sealed);
    // The kept key is still checked against a requested algorithm.
    expect((await refusal(sync.saveProfile(input({ alg: 'RS384' })))).expression).toEqual(['auth.privateKey']);

    const other = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await sync.saveProfile(input({ privateKey: other }));
    expect((await sync.store.profile('lake'))?.secret).not.toEqual(sealed);
  });

  it('never reuses another kind of secret as a key', async () => {
    const sync = newService(new MemoryRepository());
    await sync.saveProfile({ name: 'lake', baseUrl: base, auth: { kind: 'bearer', token: 'a-bearer-token' } });
    expect((await refusal(sync.saveProfile({ name: 'lake', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'hearth' } }))).expression).toEqual(['auth.privateKey']);
  });

  it('reads a picked key file, and names the file (never its content) when it is not a key', async () => {
    const sync = newService(new MemoryRepository());
    const keyFile = join(dir, 'client.pem');
    writeFileSync(keyFile, pem);
    const saved = await sync.saveProfile({ name: 'f', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'hearth', privateKeyFile: keyFile } });
    expect(saved.smart?.alg).toBe('ES384');
    expect(JSON.stringify(await sync.listProfiles())).not.toContain('PRIVATE KEY');

    const notKey = join(dir, 'notes.txt');
    writeFileSync(notKey, 'Patient John Doe, hypertension');
    const bad = await refusal(sync.saveProfile({ name: 'g', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'hearth', privateKeyFile: notKey } }));
    expect(bad.expression).toEqual(['auth.privateKeyFile']);
    expect(bad.text).not.toContain('John');
    expect((await refusal(sync.saveProfile({ name: 'g', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'hearth', privateKeyFile: join(dir, 'missing.pem') } }))).text).toBe(
      'The key file missing.pem cannot be read (ENOENT)',
    );
    expect((await refusal(sync.saveProfile({ name: 'g', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'hearth', privateKeyFile: 'client.pem' } }))).expression).toEqual([
      'auth.privateKeyFile',
    ]);
    expect((await refusal(sync.saveProfile({ name: 'g', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'hearth', privateKey: pem, privateKeyFile: keyFile } }))).text).toBe(
      'Give the private key as text or as a file, not both',
    );
  });

  it('puts address refusals on their field', async () => {
    const sync = newService(new MemoryRepository());
    expect((await refusal(sync.saveProfile({ name: 'h', baseUrl: 'http://fhir.example.org', auth: { kind: 'none' } }))).expression).toEqual(['baseUrl']);
    const launch = await refusal(sync.saveProfile({ name: 'h', baseUrl: base, auth: { kind: 'smart-launch', clientId: 'app', authorizeUrl: 'http://auth.example.org/authorize' } }));
    expect(launch.expression).toEqual(['auth.authorizeUrl']);
  });

  it('the contract takes a backend profile with a key, a key file or neither', () => {
    const parse = (auth: Record<string, unknown>) => syncContract.saveServer.input.safeParse({ name: 'x', baseUrl: base, auth: { kind: 'smart-backend', clientId: 'c', ...auth } }).success;
    expect(parse({})).toBe(true);
    expect(parse({ privateKey: pem })).toBe(true);
    expect(parse({ privateKeyFile: '/keys/c.pem' })).toBe(true);
    expect(parse({ privateKey: '' })).toBe(false);
    expect(parse({ keyPath: '/keys/c.pem' })).toBe(false);
  });
});
