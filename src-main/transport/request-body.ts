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
