/**
 * `hearth terminology import DIR PATH...` and `hearth terminology list DIR`: official ICD-10-CM and
 * RxNorm releases (files or folders) read into terminology packs stored in the vault, through the
 * `terminology.import` job as the UI runs it (progress line on stderr, Ctrl-C cancels), then a
 * report of what was read on stdout.
 */
import path from 'node:path';
import { OperationOutcomeError } from '../fhir/outcome-error';
import type { TerminologyImportReport, TerminologyPackInfo } from '../nlp/terminology/report-types';
import { CliError } from './cli-error';
import { followJob, value, withSession, type CliIo } from './commands';

export const TERMINOLOGY_USAGE = 'hearth terminology import DIR PATH... | hearth terminology list DIR';

const count = (n: number) => n.toLocaleString('en-US');

export function terminologySummary(report: TerminologyImportReport): string {
  const lines = [`files: ${report.files.join(', ')}`];
  const { icd10, rxnorm } = report;
  if (icd10) {
    lines.push(`ICD-10-CM ${icd10.version}${icd10.stored ? ` (${icd10.stored})` : ''}`);
    lines.push(`  codes: ${count(icd10.codes)} (billable ${count(icd10.billable)}, headers ${count(icd10.headers)})`);
    if (icd10.indexVersion !== undefined) {
      lines.push(
        `  index terms (FY${icd10.indexVersion} Alphabetic Index): ${count(icd10.indexTermsRead)} read, ${count(icd10.indexTermsWithCode)} with a code, ` +
          `${count(icd10.indexTermsJoined)} joined, ${count(icd10.indexTermsDropped)} dropped (codes not in this release: ${count(icd10.indexCodesDropped)})`,
      );
    }
  }
  if (rxnorm) {
    lines.push(`RxNorm ${rxnorm.version} (${rxnorm.source}${rxnorm.stored ? `, ${rxnorm.stored}` : ''})`);
    const byTty = Object.entries(rxnorm.byTty)
      .sort((a, b) => b[1] - a[1])
      .map(([tty, n]) => `${tty} ${count(n)}`)
      .join(', ');
    lines.push(`  concepts: ${count(rxnorm.concepts)} (${byTty}) from ${count(rxnorm.rowsRead)} rows`);
    lines.push(`  synonyms: ${count(rxnorm.synonyms)}, brand → ingredient links: ${count(rxnorm.brandIngredientLinks)}, single-ingredient clinical drugs: ${count(rxnorm.clinicalDrugs)}`);
  }
  lines.push(`time: ${report.seconds} s`);
  return lines.join('\n');
}

export function packListLine(pack: TerminologyPackInfo): string {
  return `${pack.system}\t${pack.version}\t${count(pack.count)} concepts\t${count(pack.bytes)} bytes in ${pack.parts} part(s)\tCodeSystem/${pack.codeSystemId}\tsha256 ${pack.sha256.slice(0, 16)}`;
}

export async function terminologyCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, dir, ...paths] = args;
  if (sub === 'import') {
    if (dir === undefined || paths.length === 0) throw new CliError(`missing ${dir === undefined ? 'DIR' : 'PATH'} (usage: ${TERMINOLOGY_USAGE})`);
    return withSession(dir, io, async (session) => {
      const { jobId } = value(await session.services.terminology.import({ paths: paths.map((p) => path.resolve(p)) }));
      const job = await followJob(session, jobId);
      if (job.status === 'failed') throw new OperationOutcomeError(job.error ?? { resourceType: 'OperationOutcome', issue: [] });
      if (job.status === 'cancelled') throw new CliError('terminology import cancelled (nothing was stored)', 130);
      io.out(`${terminologySummary(value(await session.services.terminology.report({ jobId })))}\n`);
      return 0;
    });
  }
  if (sub === 'list') {
    if (dir === undefined || paths.length > 0) throw new CliError(`usage: ${TERMINOLOGY_USAGE}`);
    return withSession(dir, io, async (session) => {
      const packs = value(await session.services.terminology.list({}));
      if (packs.length === 0) io.err('no terminology packs in this vault\n');
      for (const pack of packs) io.out(`${packListLine(pack)}\n`);
      return 0;
    });
  }
  throw new CliError(`unknown terminology command${sub === undefined ? '' : ` "${sub.slice(0, 40)}"`} (usage: ${TERMINOLOGY_USAGE})`);
}
