/**
 * The Medplum test server of `npm run bench:sync` in its own process (forked by sync.bench.ts), so
 * the server's CPU time is not counted as the client's: the bench measures its own process
 * (client, vault, crypto threads) with process.cpuUsage and asks this one for its own.
 *
 * IPC: the parent sends `{ id, cmd }` with cmd `cpu` (this process's CPU ms so far), `count` (resources
 * of the bench's types held, and how many origin tags are held more than once) or `close`; each
 * answer is `{ id, ... }`. The first message this process sends is `{ baseUrl }`.
 */
import type { Resource } from '@medplum/fhirtypes';
import { originCounts } from '../unit/sync/fixtures';
import { startMedplumServer } from '../unit/sync/medplum-server';

const TYPES = ['Patient', 'Encounter', 'Observation', 'Condition'];

interface Request {
  id: number;
  cmd: 'cpu' | 'count' | 'close';
}

const send = (message: object): void => {
  process.send?.(message);
};

const server = await startMedplumServer({ indexTags: true });
process.on('message', (raw: unknown) => {
  const message = raw as Request;
  void (async () => {
    if (message.cmd === 'cpu') {
      const u = process.cpuUsage();
      send({ id: message.id, cpuMs: (u.user + u.system) / 1000 });
    } else if (message.cmd === 'count') {
      const all: Resource[] = [];
      for (const type of TYPES) all.push(...(await server.all(type)));
      send({ id: message.id, total: all.length, duplicated: [...originCounts(all).values()].filter((n) => n > 1).length });
    } else {
      await server.close();
      send({ id: message.id, closed: true });
      process.disconnect();
    }
  })();
});
send({ baseUrl: server.baseUrl });
