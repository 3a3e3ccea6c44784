/**
 * `loadRxNormPack`: an RxNormIndex from an official RRF release (RXNCONSO, optionally RXNREL and
 * RXNSAT), from the partial TSV tables, or from a pack already read (the vault's copy).
 */
import type { PackReadOptions } from './icd10cm-pack';
import { RxNormPackBuilder, rxnormIndexFromPack, rxnormPackStats, type LoadedRxNormIndex, type RxNormPackData, type RxNormPackStats } from './rxnorm-pack';
import { readRrfFile, rxnormVersionFromPath } from './rxnorm-rrf';
import { readRxNormTsv, type RxNormTsvKind } from './rxnorm-tsv';

export interface RxNormRrfFiles {
  kind: 'rrf';
  conso: string;
  rel?: string;
  sat?: string;
  /** e.g. 'rxnorm-2025-11-03'; default from the release folder's date. */
  version?: string;
}

export interface RxNormTsvFiles {
  kind: 'tsv';
  files: Partial<Record<RxNormTsvKind, string>>;
  version?: string;
}

export type RxNormSourceFiles = RxNormRrfFiles | RxNormTsvFiles;
export type RxNormPackSource = RxNormSourceFiles | { kind: 'pack'; pack: RxNormPackData };

/** Atoms first, then what refers to them. */
const TSV_ORDER: readonly RxNormTsvKind[] = ['ingredients', 'brands', 'drugs', 'brandPairs'];

export async function readRxNormPack(source: RxNormSourceFiles, options: PackReadOptions = {}): Promise<{ pack: RxNormPackData; stats: RxNormPackStats }> {
  const builder = new RxNormPackBuilder();
  let recordsBefore = 0;
  const progressFor = (file: string) => ({
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (p: { lines: number; bytesRead: number; bytesTotal: number }) =>
      options.onProgress?.({ file, records: recordsBefore + p.lines, bytesRead: p.bytesRead, bytesTotal: p.bytesTotal }),
  });
  if (source.kind === 'rrf') {
    const files: Array<['RXNCONSO' | 'RXNREL' | 'RXNSAT', string | undefined]> = [
      ['RXNCONSO', source.conso],
      ['RXNREL', source.rel],
      ['RXNSAT', source.sat],
    ];
    for (const [kind, file] of files) {
      if (file === undefined) continue;
      recordsBefore += await readRrfFile(kind, file, builder, progressFor(file));
    }
    const pack = builder.finish(source.version ?? rxnormVersionFromPath(source.conso), 'rrf');
    return { pack, stats: rxnormPackStats(pack, builder.rowsRead) };
  }
  for (const kind of TSV_ORDER) {
    const file = source.files[kind];
    if (file === undefined) continue;
    recordsBefore += await readRxNormTsv(kind, file, builder, progressFor(file));
  }
  const pack = builder.finish(source.version ?? 'rxnorm-partial', 'tsv');
  return { pack, stats: rxnormPackStats(pack, builder.rowsRead) };
}

export async function loadRxNormPack(source: RxNormPackSource, options: PackReadOptions = {}): Promise<LoadedRxNormIndex> {
  if (source.kind === 'pack') return rxnormIndexFromPack(source.pack);
  const { pack } = await readRxNormPack(source, options);
  return rxnormIndexFromPack(pack);
}
