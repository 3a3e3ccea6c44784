/**
 * Reading a request body with a size cap, shared by the web-mode server and the FHIR endpoint:
 * reading stops as soon as the cap is passed, and a client that goes away ends the wait.
 */
import type { IncomingMessage } from 'node:http';

export type Body = { kind: 'ok'; bytes: Buffer } | { kind: 'too-large' } | { kind: 'aborted' };

/** Reads the body up to `limit` bytes; stops reading (and says so) as soon as it is over. */
export function readBody(req: IncomingMessage, limit: number): Promise<Body> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ kind: 'too-large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        req.resume();
        resolve({ kind: 'too-large' });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve({ kind: 'ok', bytes: Buffer.concat(chunks, size) });
    });
    req.on('error', () => {
      if (done) return;
      done = true;
      resolve({ kind: 'aborted' });
    });
    req.on('aborted', () => {
      if (done) return;
      done = true;
      resolve({ kind: 'aborted' });
    });
  });
}

/** Content type of a file upload (below): the web mode's Import screen sends it. */
export const FILE_UPLOAD_CONTENT_TYPE = 'application/vnd.hearth.file-upload';
/** The manifest line is small (names and sizes); a longer one is not an upload. */
export const MAX_UPLOAD_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_UPLOAD_FILES = 10_000;
const MAX_UPLOAD_NAME_LENGTH = 1024;
const NEWLINE = 0x0a;

export interface UploadedFile {
  name: string;
  /** Decoded as UTF-8 the way Blob.text() does (a leading BOM dropped, bad bytes as U+FFFD). */
  text: string;
}

export type FileUpload =
  | { kind: 'ok'; files: UploadedFile[] }
  | { kind: 'too-large' }
  | { kind: 'aborted' }
  | { kind: 'invalid'; message: string };

interface ManifestEntry {
  name: string;
  size: number;
}

/**
 * Reads a file upload: one line of JSON, `{"files":[{"name":"a.json","size":1234},...]}`, then
 * the bytes of every file back to back in that order. The browser builds the body as a Blob of
 * the manifest and the File objects themselves, so the files stream from disk and the page never
 * holds their text (JSON-encoding them into one string froze it for tens of seconds at 40 MB).
 * Each file is decoded as its bytes arrive; the sizes say where one ends and the next begins.
 */
export function readFileUpload(req: IncomingMessage, limit: number): Promise<FileUpload> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ kind: 'too-large' });
  }
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: FileUpload): void => {
      if (done) return;
      done = true;
      // Whatever is left is read and dropped, so the answer can go out on a sane connection.
      if (outcome.kind !== 'ok') req.resume();
      resolve(outcome);
    };

    let received = 0;
    const manifestParts: Buffer[] = [];
    let manifestBytes = 0;
    let manifest: ManifestEntry[] | undefined;
    const files: UploadedFile[] = [];
    // The file being received: its decoder keeps a character split across two chunks whole.
    let decoder = new TextDecoder('utf-8');
    let pieces: string[] = [];
    let remaining = 0;

    /** Closes every file whose bytes are all in (empty files need no bytes at all). */
    const closeCompleteFiles = (): boolean => {
      while (manifest && remaining === 0 && files.length < manifest.length) {
        const entry = manifest[files.length]!;
        pieces.push(decoder.decode());
        let text: string;
        try {
          text = pieces.join('');
        } catch {
          // Longer than the engine's longest string: too large for an import by text.
          finish({ kind: 'too-large' });
          return false;
        }
        files.push({ name: entry.name, text });
        pieces = [];
        decoder = new TextDecoder('utf-8');
        const next = manifest[files.length];
        if (next) remaining = next.size;
      }
      return true;
    };

    const takeFileBytes = (bytes: Buffer): void => {
      let offset = 0;
      while (offset < bytes.length) {
        if (!manifest || files.length >= manifest.length) {
          finish({ kind: 'invalid', message: 'The upload holds more bytes than its manifest lists' });
          return;
        }
        const take = Math.min(remaining, bytes.length - offset);
        pieces.push(decoder.decode(bytes.subarray(offset, offset + take), { stream: true }));
        offset += take;
        remaining -= take;
        if (!closeCompleteFiles()) return;
      }
    };

    const takeManifestBytes = (chunk: Buffer): void => {
      const newline = chunk.indexOf(NEWLINE);
      const head = newline === -1 ? chunk : chunk.subarray(0, newline);
      manifestParts.push(head);
      manifestBytes += head.length;
      if (manifestBytes > MAX_UPLOAD_MANIFEST_BYTES) {
        finish({ kind: 'invalid', message: 'The upload does not start with a manifest line' });
        return;
      }
      if (newline === -1) return;
      const parsed = parseManifest(Buffer.concat(manifestParts, manifestBytes).toString('utf8'));
      if (typeof parsed === 'string') {
        finish({ kind: 'invalid', message: parsed });
        return;
      }
      const total = manifestBytes + 1 + parsed.reduce((sum, entry) => sum + entry.size, 0);
      if (total > limit) {
        finish({ kind: 'too-large' });
        return;
      }
      if (Number.isFinite(declared) && declared !== total) {
        finish({ kind: 'invalid', message: 'The upload length does not match the file sizes in its manifest' });
        return;
      }
      manifest = parsed;
      remaining = parsed[0]!.size;
      if (!closeCompleteFiles()) return;
      takeFileBytes(chunk.subarray(newline + 1));
    };

    req.on('data', (chunk: Buffer) => {
      if (done) return;
      received += chunk.length;
      if (received > limit) {
        finish({ kind: 'too-large' });
        return;
      }
      if (manifest) takeFileBytes(chunk);
      else takeManifestBytes(chunk);
    });
    req.on('end', () => {
      if (!manifest) return finish({ kind: 'invalid', message: 'The upload does not start with a manifest line' });
      if (files.length < manifest.length) {
        return finish({ kind: 'invalid', message: 'The upload ended before the last file in its manifest' });
      }
      finish({ kind: 'ok', files });
    });
    req.on('error', () => finish({ kind: 'aborted' }));
    req.on('aborted', () => finish({ kind: 'aborted' }));
  });
}

/** The manifest's file list, or why it is not one. */
function parseManifest(text: string): ManifestEntry[] | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'The upload manifest is not valid JSON';
  }
  const list = typeof value === 'object' && value !== null ? (value as { files?: unknown }).files : undefined;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_UPLOAD_FILES) {
    return `The upload manifest must list 1 to ${MAX_UPLOAD_FILES} files`;
  }
  const entries: ManifestEntry[] = [];
  for (const item of list as unknown[]) {
    const { name, size } = (typeof item === 'object' && item !== null ? item : {}) as { name?: unknown; size?: unknown };
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_UPLOAD_NAME_LENGTH) {
      return `Every file in the upload manifest needs a name of 1 to ${MAX_UPLOAD_NAME_LENGTH} characters`;
    }
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      return 'Every file in the upload manifest needs a size in bytes';
    }
    entries.push({ name, size });
  }
  return entries;
}
