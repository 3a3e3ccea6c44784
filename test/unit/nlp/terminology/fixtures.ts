/** Small release files written by the tests (the layouts of the official files, a few real codes). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const orderLine = (order: number, code: string, billable: boolean, title: string) =>
  `${String(order).padStart(5, '0')} ${code.padEnd(7)} ${billable ? '1' : '0'} ${title.slice(0, 60).padEnd(60)} ${title}`;

export const ORDER_FILE_LINES = [
  orderLine(1, 'E11', false, 'Type 2 diabetes mellitus'),
  orderLine(2, 'E119', true, 'Type 2 diabetes mellitus without complications'),
  orderLine(3, 'I10', true, 'Essential (primary) hypertension'),
  orderLine(4, 'N390', true, 'Urinary tract infection, site not specified'),
];

export const INDEX_XML = `<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.index><version>2017</version><title>ICD-10-CM INDEX TO DISEASES and INJURIES</title>
<letter><title>D</title>
  <mainTerm><title>Diabetes, diabetic<nemod>(mellitus) (sugar)</nemod></title><code>E11.9</code>
    <term level="1"><title>type 2</title><code>E11.9</code></term>
    <term level="1"><title>insipidus</title><code>E23.2</code></term>
  </mainTerm>
</letter>
<letter><title>H</title>
  <mainTerm><title>Hypertension, hypertensive<nemod>(accelerated) (benign) (essential)</nemod></title><code>I10</code>
    <term level="1"><title>essential</title><code>I10</code></term>
  </mainTerm>
</letter>
<letter><title>I</title>
  <mainTerm><title>Infection, infected, infective<nemod>(opportunistic)</nemod></title>
    <term level="1"><title>urinary<nemod>(tract)</nemod></title><code>N39.0</code></term>
  </mainTerm>
</letter>
</ICD10CM.index>
`;

/** Writes icd10cm-order-2026.txt (CRLF, as CDC ships it) and icd10cm_index_2017.xml into `dir`. */
export async function writeIcd10Release(dir: string): Promise<{ orderFile: string; indexFile: string }> {
  await mkdir(dir, { recursive: true });
  const orderFile = path.join(dir, 'icd10cm-order-2026.txt');
  const indexFile = path.join(dir, 'icd10cm_index_2017.xml');
  await writeFile(orderFile, `${ORDER_FILE_LINES.join('\r\n')}\r\n`);
  await writeFile(indexFile, INDEX_XML);
  return { orderFile, indexFile };
}

/** The partial RxNorm TSV layout (SOURCE-rxnorm.md), a few real rows. */
export async function writeRxNormTsv(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'ingredients_in_pin_min.tsv'), 'rxcui\ttty\tname\tunii\n6809\tIN\tmetformin\t9100L32L2N\n235743\tPIN\tmetformin hydrochloride\t786Z46389E\n');
  await writeFile(path.join(dir, 'brand_names_bn.tsv'), 'rxcui\ttty\tname\n151827\tBN\tGlucophage\n');
  await writeFile(path.join(dir, 'ingredient_brand_pairs.tsv'), 'ingredient_rxcui\tbn_rxcui\n6809\t151827\n');
  await writeFile(
    path.join(dir, 'clinical_drugs_scd_sbd.tsv'),
    'rxcui\ttty\tname\n861007\tSCD\tmetformin hydrochloride 500 MG Oral Tablet\n861008\tSBD\tmetformin hydrochloride 500 MG Oral Tablet [Glucophage]\n',
  );
}
