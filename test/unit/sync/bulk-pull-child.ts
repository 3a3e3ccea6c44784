/**
 * A pull in a process of its own (bulk-resume.test.ts kills it in the middle of a download):
 * opens the vault at argv[2] and pulls from the profile "bulk", printing each progress message.
 */
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { createSecretBox, SECRET_KEY_PURPOSE } from '../../../src-main/sync/secrets';
import { SyncService } from '../../../src-main/sync/service';
import { openVault } from '../../../src-main/vault';
import { FAST_RETRY } from './fixtures';

const [dir, passphrase] = process.argv.slice(2);
const vault = await openVault(dir!, passphrase!, { projector: fhirProjector });
const sync = new SyncService({ repository: createVaultRepository(vault), secrets: createSecretBox(() => vault.deriveKey(SECRET_KEY_PURPOSE)), retry: { ...FAST_RETRY, maxRetryAfterMs: 20 } });
await sync.pull('bulk', {}, undefined, (p) => process.stdout.write(`${p.message ?? ''}\n`));
await vault.close();
