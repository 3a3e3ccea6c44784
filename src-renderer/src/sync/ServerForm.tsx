/**
 * Add or edit a server profile (docs/sync.md "Profiles"): none, basic, bearer, SMART Backend
 * Services (client id, scope, token endpoint given or discovered, private key) and SMART App Launch
 * (client id, scope, endpoints given or discovered; the sign-in is on the server's panel).
 * Secrets go in and never come back: a basic password or bearer token is typed again on every
 * save; a backend key is kept unless a new one is given. In the desktop app the key is a file
 * picked natively, read by the services (its text never reaches this page); in a browser it is
 * pasted. An optional custom CA bundle (hospital networks) is a PEM file read here and sent as text
 * (certificates are not secret; main parses it); the stored one is shown by its CN and end date and
 * can be removed. Problems are shown on their field, before sending and as the service answers.
 */
import { Button, Code, Group, NumberInput, PasswordInput, SegmentedControl, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { IconFileCertificate, IconShieldCheck, IconX } from '@tabler/icons-react';
import { useRef, useState } from 'react';
import type { InputOf } from '../../../src-main/api/contract';
import type { OperationOutcome } from '../../../src-main/api/result';
import type { AuthKind, ServerProfile } from '../../../src-main/sync/types';
import { useClient } from '../api/context';
import { useApiCall } from '../api/hooks';
import { ErrorAlert } from '../components/ErrorAlert';
import { caLabel, DEFAULT_SCOPES, fieldErrorsOf, initialValues, MAX_CA_BYTES, needsKey, toSaveInput, validate, type FieldErrors, type ServerFormValues } from './server-form';

const AUTH_KINDS: Array<{ value: AuthKind; label: string }> = [
  { value: 'none', label: 'None' },
  { value: 'basic', label: 'Basic' },
  { value: 'bearer', label: 'Bearer token' },
  { value: 'smart-backend', label: 'SMART backend' },
  { value: 'smart-launch', label: 'SMART sign-in' },
];

const isAuthKind = (value: string): value is AuthKind => AUTH_KINDS.some((k) => k.value === value);
const fileName = (path: string): string => path.split(/[\\/]/).pop() ?? path;

export function ServerForm({ existing, onSaved }: { existing: ServerProfile | undefined; onSaved: (p: ServerProfile) => void }) {
  const client = useClient();
  const [values, setValues] = useState<ServerFormValues>(() => initialValues(existing));
  // Checks show once a save was tried, then follow every keystroke.
  const [tried, setTried] = useState(false);
  const [served, setServed] = useState<{ fields: FieldErrors; other: OperationOutcome | undefined }>({ fields: {}, other: undefined });
  const save = useApiCall((api, input: InputOf<'sync', 'saveServer'>) => api.sync.saveServer(input));
  const checked = tried ? validate(values, existing) : {};
  const errors: FieldErrors = { ...served.fields, ...checked };
  const set = (patch: Partial<ServerFormValues>): void => {
    setValues((v) => ({ ...v, ...patch }));
    // A field edited no longer shows what the service said about it.
    setServed((s) => ({ ...s, fields: Object.fromEntries(Object.entries(s.fields).filter(([f]) => !(f in patch) && !(f === 'secret' && 'auth' in patch))) }));
  };
  const smart = values.auth === 'smart-backend' || values.auth === 'smart-launch';
  const keepsKey = values.auth === 'smart-backend' && !needsKey(values, existing);
  const [advanced, setAdvanced] = useState(values.keyId !== '' || values.alg !== '' || values.tokenUrl !== '' || values.authorizeUrl !== '');

  const submit = async (): Promise<void> => {
    setTried(true);
    if (Object.keys(validate(values, existing)).length > 0) return;
    const result = await save.run(toSaveInput(values));
    // Secrets leave the form's memory as soon as they are sealed (or refused).
    setValues((v) => ({ ...v, secret: '', key: v.key.kind === 'text' ? { kind: 'text', text: '' } : v.key }));
    if (result.ok) onSaved(result.value);
    else setServed(fieldErrorsOf(result.error));
  };

  const pickKey = async (): Promise<void> => {
    const picked = await client.pickFile?.('smart-key');
    if (picked) set({ key: { kind: 'file', path: picked } });
  };

  // The CA file is read here (a certificate is public): its text goes to the service, which parses it.
  const caInput = useRef<HTMLInputElement>(null);
  const readCa = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    // A file too large is not read: the check names it by its size.
    const pem = file.size > MAX_CA_BYTES ? ' '.repeat(MAX_CA_BYTES + 1) : await file.text();
    set({ ca: { kind: 'pem', pem, fileName: file.name } });
  };
  const storedCa = existing?.ca ?? [];

  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
      data-testid="server-form"
    >
      <Stack>
        <TextInput
          label="Name"
          description="Letters, digits, dot, dash, underscore"
          value={values.name}
          onChange={(e) => set({ name: e.currentTarget.value })}
          disabled={existing !== undefined}
          error={errors.name}
          required
          data-autofocus
        />
        <TextInput
          label="Base URL"
          placeholder="https://fhir.example.org/r4"
          value={values.baseUrl}
          onChange={(e) => set({ baseUrl: e.currentTarget.value })}
          error={errors.baseUrl}
          required
        />
        <div>
          <Text size="sm" fw={500} mb={4}>
            Authentication
          </Text>
          <SegmentedControl value={values.auth} onChange={(v) => isAuthKind(v) && set({ auth: v, secret: '' })} data={AUTH_KINDS} aria-label="Authentication" fullWidth />
        </div>
        {values.auth === 'basic' && <TextInput label="User" value={values.user} onChange={(e) => set({ user: e.currentTarget.value })} error={errors.user} required />}
        {(values.auth === 'basic' || values.auth === 'bearer') && (
          <PasswordInput
            label={values.auth === 'basic' ? 'Password' : 'Token'}
            description={existing && existing.auth === values.auth ? 'Stored sealed and never shown: type it again to save changes' : 'Stored sealed in the vault, never shown again'}
            value={values.secret}
            onChange={(e) => set({ secret: e.currentTarget.value })}
            error={errors.secret}
            autoComplete="new-password"
            required
          />
        )}
        {smart && (
          <>
            <TextInput
              label="Client id"
              description="As the server registered Hearth"
              value={values.clientId}
              onChange={(e) => set({ clientId: e.currentTarget.value })}
              error={errors.clientId}
              required
            />
            <TextInput
              label="Scopes"
              description="Empty: the default shown"
              placeholder={DEFAULT_SCOPES[values.auth === 'smart-backend' ? 'smart-backend' : 'smart-launch']}
              value={values.scope}
              onChange={(e) => set({ scope: e.currentTarget.value })}
              error={errors.scope}
            />
          </>
        )}
        {values.auth === 'smart-backend' &&
          (client.pickFile ? (
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                Private key {!keepsKey && <span style={{ color: 'var(--mantine-color-error)' }}>*</span>}
              </Text>
              <Group gap="xs">
                <Button variant="default" leftSection={<IconFileCertificate size={16} />} onClick={() => void pickKey()} data-testid="pick-key-file">
                  {values.key.kind === 'file' ? 'Choose another file…' : 'Choose key file…'}
                </Button>
                {values.key.kind === 'file' ? (
                  <Group gap={4}>
                    <Code data-testid="key-file-name">{fileName(values.key.path)}</Code>
                    <Button size="compact-xs" variant="subtle" color="gray" aria-label="Forget the chosen file" onClick={() => set({ key: { kind: 'none' } })}>
                      <IconX size={14} />
                    </Button>
                  </Group>
                ) : (
                  <Text size="sm" c="dimmed">
                    {keepsKey ? 'The stored key is kept' : 'No file chosen'}
                  </Text>
                )}
              </Group>
              <Text size="xs" c={errors.key ? 'red' : 'dimmed'} role={errors.key ? 'alert' : undefined}>
                {errors.key ?? 'PEM (PKCS#8, PKCS#1, SEC1) or a private JWK, RSA 2048+ or P-384. Hearth reads the file and seals the key in the vault.'}
              </Text>
            </Stack>
          ) : (
            <Textarea
              label="Private key"
              description={
                keepsKey
                  ? 'A key is stored sealed and never shown: leave this empty to keep it, or paste a new one'
                  : 'Paste the PEM (-----BEGIN PRIVATE KEY-----…) or a private JWK; it is sealed in the vault, never shown again'
              }
              placeholder="-----BEGIN PRIVATE KEY-----"
              value={values.key.kind === 'text' ? values.key.text : ''}
              onChange={(e) => set({ key: e.currentTarget.value === '' ? { kind: 'none' } : { kind: 'text', text: e.currentTarget.value } })}
              error={errors.key}
              rows={5}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
              autoComplete="off"
              spellCheck={false}
              required={!keepsKey}
              data-testid="key-text"
            />
          ))}
        {smart && (
          <>
            <Button variant="subtle" size="compact-sm" onClick={() => setAdvanced((a) => !a)} style={{ alignSelf: 'flex-start' }} aria-expanded={advanced}>
              {advanced ? 'Hide endpoints' : values.auth === 'smart-backend' ? 'Endpoints and key details…' : 'Endpoints…'}
            </Button>
            {advanced && (
              <Stack>
                {values.auth === 'smart-launch' && (
                  <TextInput
                    label="Authorization endpoint"
                    description="Empty: discovered from the server's .well-known/smart-configuration"
                    placeholder="https://auth.example.org/authorize"
                    value={values.authorizeUrl}
                    onChange={(e) => set({ authorizeUrl: e.currentTarget.value })}
                    error={errors.authorizeUrl}
                  />
                )}
                <TextInput
                  label="Token endpoint"
                  description="Empty: discovered from the server's .well-known/smart-configuration"
                  placeholder="https://auth.example.org/token"
                  value={values.tokenUrl}
                  onChange={(e) => set({ tokenUrl: e.currentTarget.value })}
                  error={errors.tokenUrl}
                />
                {values.auth === 'smart-backend' && (
                  <Group grow align="flex-start">
                    <TextInput
                      label="Key id (kid)"
                      description="Empty: the key's thumbprint"
                      value={values.keyId}
                      onChange={(e) => set({ keyId: e.currentTarget.value })}
                      error={errors.keyId}
                    />
                    <Select
                      label="Algorithm"
                      description="Empty: from the key"
                      data={['RS384', 'ES384']}
                      value={values.alg || null}
                      onChange={(v) => set({ alg: v === 'RS384' || v === 'ES384' ? v : '' })}
                      clearable
                    />
                  </Group>
                )}
              </Stack>
            )}
          </>
        )}
        <Stack gap={4} data-testid="ca-field">
          <Text size="sm" fw={500}>
            Custom CA
          </Text>
          {values.ca.kind === 'pem' ? (
            <Group gap={4}>
              <Code data-testid="ca-file-name">{values.ca.fileName}</Code>
              <Text size="sm" c="dimmed">
                checked and stored when saved
              </Text>
              <Button size="compact-xs" variant="subtle" color="gray" aria-label="Forget the chosen CA file" onClick={() => set({ ca: { kind: 'keep' } })}>
                <IconX size={14} />
              </Button>
            </Group>
          ) : values.ca.kind === 'remove' ? (
            <Group gap="xs">
              <Text size="sm">The custom CA is removed when saved: the server must then have a certificate from a public CA.</Text>
              <Button size="compact-xs" variant="subtle" onClick={() => set({ ca: { kind: 'keep' } })}>
                Keep it
              </Button>
            </Group>
          ) : storedCa.length > 0 ? (
            <Group gap="xs">
              <Stack gap={0}>
                {storedCa.map((cert, i) => (
                  <Text key={i} size="sm" data-testid="ca-stored" c={Date.parse(cert.validTo) < Date.now() ? 'red' : undefined}>
                    {caLabel(cert)}
                  </Text>
                ))}
              </Stack>
              <Button size="compact-xs" variant="subtle" color="red" onClick={() => set({ ca: { kind: 'remove' } })}>
                Remove
              </Button>
            </Group>
          ) : null}
          <Group gap="xs">
            <Button variant="default" size="compact-sm" leftSection={<IconShieldCheck size={16} />} onClick={() => caInput.current?.click()} data-testid="pick-ca-file">
              {values.ca.kind === 'pem' || storedCa.length > 0 ? 'Choose another CA file…' : 'Choose CA file…'}
            </Button>
            <input
              ref={caInput}
              type="file"
              accept=".pem,.crt,.cer,application/x-pem-file,application/x-x509-ca-cert"
              hidden
              aria-label="CA bundle file"
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                e.currentTarget.value = '';
                void readCa(file);
              }}
            />
          </Group>
          <Text size="xs" c={errors.ca ? 'red' : 'dimmed'} role={errors.ca ? 'alert' : undefined}>
            {errors.ca ?? 'For servers whose certificate comes from your organisation’s own CA: PEM certificates, trusted for this server only, in addition to the system’s.'}
          </Text>
        </Stack>
        <NumberInput
          label="Resources per Bundle"
          min={1}
          max={1000}
          value={values.chunkSize}
          onChange={(v) => set({ chunkSize: typeof v === 'number' ? v : 100 })}
          error={errors.chunkSize}
        />
        {values.auth === 'smart-launch' && (
          <Text size="sm" c="dimmed">
            After saving, sign in with <b>Authorize</b> on the server’s panel: the server’s page opens in your browser.
          </Text>
        )}
        {served.other && <ErrorAlert error={served.other} title="Could not save the server" />}
        <Group justify="flex-end">
          <Button type="submit" loading={save.loading}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
