/**
 * The small ZIP writer and reader (src-renderer/src/lib/zip.ts): CRC-32 check value, a round trip
 * with UTF-8 names and non-ASCII text, and interoperability with Python's zipfile both ways
 * (stored and deflated entries); the Python part skips when python3 is absent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32, readZip, writeZip } from '../../../src-renderer/src/lib/zip';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const entries = [
  { name: 'n1.txt', bytes: encoder.encode('No chest pain.\r\nTakes metformin 😀 café.\n') },
  { name: 'n1.ann', bytes: encoder.encode('T1\tDX_NAME 3 13\tchest pain\n') },
  { name: 'note é.ann', bytes: new Uint8Array(0) },
];
const hasPython = spawnSync('python3', ['--version']).status === 0;

describe('zip', () => {
  it('computes the CRC-32 check value', () => {
    expect(crc32(encoder.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('reads back what it writes, byte for byte, and rejects what is not a ZIP', async () => {
    const zip = writeZip(entries);
    const read = await readZip(zip);
    expect(read.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    expect(read.map((e) => decoder.decode(e.bytes))).toEqual(entries.map((e) => decoder.decode(e.bytes)));
    // The same input gives the same archive (fixed times).
    expect(writeZip(entries)).toEqual(zip);
    await expect(readZip(encoder.encode('T1\tDX_NAME 3 13\tchest pain\n'))).rejects.toThrow('not a ZIP archive');
  });

  it.skipIf(!hasPython)('is read by Python’s zipfile, and reads its deflated archives', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-zip-'));
    try {
      const ours = path.join(dir, 'ours.zip');
      writeFileSync(ours, writeZip(entries));
      const listed = execFileSync('python3', ['-c', 'import sys, zipfile, json\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps({n: z.read(n).decode("utf-8") for n in z.namelist()}))', ours], { encoding: 'utf8' });
      expect(JSON.parse(listed)).toEqual(Object.fromEntries(entries.map((e) => [e.name, decoder.decode(e.bytes)])));

      const theirs = path.join(dir, 'theirs.zip');
      execFileSync('python3', ['-c', 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)\nz.writestr("a/n2.txt", "Denies chest pain. " * 50)\nz.writestr("a/", "")\nz.writestr("n2.ann", "T1\\tDX_NAME 7 17\\tchest pain\\n")\nz.close()', theirs]);
      const read = await readZip(new Uint8Array(readFileSync(theirs)));
      expect(read.map((e) => e.name)).toEqual(['a/n2.txt', 'n2.ann']);
      expect(decoder.decode(read[0]!.bytes)).toBe('Denies chest pain. '.repeat(50));
      expect(decoder.decode(read[1]!.bytes)).toBe('T1\tDX_NAME 7 17\tchest pain\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
