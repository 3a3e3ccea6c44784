/**
 * Annotation export and import (issue 6 §2, docs/annotation-formats.md): a reviewer's annotations
 * as Comprehend Medical JSONL, spaCy spans JSONL or BRAT standoff, downloaded as one file (BRAT's
 * .txt/.ann pairs zipped); files of the same formats uploaded back as a reviewer's records.
 * `#/annotations?<queue filters>`: reached from the review queue, whose filters it keeps for the
 * "current queue filter" subset.
 */
import { Alert, Autocomplete, Button, Card, Checkbox, FileInput, Group, Radio, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconDownload, IconFileUpload, IconUpload } from '@tabler/icons-react';
import { useState } from 'react';
import type { HearthApi } from '../../../src-main/api/contract';
import { describeOutcome } from '../../../src-main/api/result';
import type { ReviewImportResult } from '../../../src-main/review/formats/common';
import type { AnnotationFile, AnnotationFormat } from '../../../src-main/review/types';
import { useApi } from '../api/context';
import { useApiQuery } from '../api/hooks';
import { downloadBlob } from '../lib/download';
import { countOf, formatCount } from '../lib/format';
import { readZip, writeZip } from '../lib/zip';
import { normalizeFilters, type QueueFilters } from '../review/queue-filters';
import type { Route } from '../router/routes';
import { useSettings } from '../settings-context';

export const FORMAT_OPTIONS: Array<{ value: AnnotationFormat; label: string; description: string }> = [
  { value: 'comprehend-jsonl', label: 'Comprehend Medical JSONL', description: 'One line per note, entities in Amazon Comprehend Medical’s shape' },
  { value: 'spacy-jsonl', label: 'spaCy spans JSONL', description: 'One line per note: text, spans (character offsets), meta' },
  { value: 'brat', label: 'BRAT standoff (.zip)', description: 'A .txt and an .ann per note, with annotation.conf, zipped' },
];

export type ExportSubset = 'all' | 'done' | 'queue';

/** Queue pages when listing notes (the queue answers at most 500). */
const PAGE = 500;

/** The ids of every note the queue lists with these filters (as `viewer` sees them), in queue order. */
export async function queueDocumentIds(api: HearthApi, filters: QueueFilters, viewer: string): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await api.review.queue({ ...normalizeFilters(filters), viewer, offset, count: PAGE });
    if (!page.ok) throw new Error(describeOutcome(page.error));
    ids.push(...page.value.items.map((item) => item.documentId));
    if (page.value.items.length < PAGE || ids.length >= page.value.total) return ids;
  }
}

/** The name of the downloaded file: the one file as it is, several (BRAT) zipped. */
export function exportDownload(files: readonly AnnotationFile[], format: AnnotationFormat, reviewer: string): { name: string; blob: Blob } {
  const safe = reviewer.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'reviewer';
  if (files.length === 1) {
    const [file] = files;
    const dot = file!.name.indexOf('.');
    const name = dot > 0 ? `${file!.name.slice(0, dot)}-${safe}${file!.name.slice(dot)}` : `${file!.name}-${safe}`;
    return { name, blob: new Blob([file!.text], { type: 'application/x-ndjson' }) };
  }
  const encoder = new TextEncoder();
  const zip = writeZip(files.map((file) => ({ name: file.name, bytes: encoder.encode(file.text) })));
  return { name: `annotations-${format === 'brat' ? 'brat' : format}-${safe}.zip`, blob: new Blob([zip as BlobPart], { type: 'application/zip' }) };
}

async function bytesOf(file: Blob): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

/** Uploaded files as the API takes them: text files as they are, a .zip as the files inside it. */
export async function uploadedFiles(files: readonly File[]): Promise<AnnotationFile[]> {
  const decoder = new TextDecoder();
  const out: AnnotationFile[] = [];
  for (const file of files) {
    const bytes = await bytesOf(file);
    const isZip = /\.zip$/i.test(file.name) || (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04);
    if (isZip) {
      for (const entry of await readZip(bytes)) out.push({ name: entry.name, text: decoder.decode(entry.bytes) });
    } else {
      out.push({ name: file.name, text: decoder.decode(bytes) });
    }
  }
  return out;
}

/** The format the file names suggest (the user can change it). */
export function guessFormat(names: readonly string[]): AnnotationFormat | undefined {
  if (names.some((name) => /\.(zip|ann)$/i.test(name))) return 'brat';
  if (names.some((name) => /spacy/i.test(name))) return 'spacy-jsonl';
  if (names.some((name) => /comprehend/i.test(name))) return 'comprehend-jsonl';
  return undefined;
}

export function AnnotationExchangeScreen({ route, navigate }: { route: Extract<Route, { screen: 'review-exchange' }>; navigate: (route: Route) => void }) {
  const { settings } = useSettings();
  const reviewers = useApiQuery((api) => api.review.reviewers({}), []);
  const names = (reviewers.data ?? []).map((entry) => entry.name);
  const me = settings?.reviewerName;
  // The reviewer fields start from the name in Settings: wait for it.
  if (!settings) return null;
  return (
    <Stack gap="md" maw={1100}>
      <Group justify="space-between">
        <Title order={2}>Export / import annotations</Title>
        <Group gap="xs">
          <Button variant="default" onClick={() => navigate({ screen: 'review-agreement' })}>
            Agreement…
          </Button>
          <Button variant="default" onClick={() => navigate({ screen: 'review', filters: route.filters })}>
            Back to the queue
          </Button>
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        For machine learning: a reviewer’s accepted, edited and added annotations (rejected ones on request), and back. Export then import gives the same
        annotations (docs/annotation-formats.md).
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <ExportCard reviewers={me && !names.includes(me) ? [me, ...names] : names} defaultReviewer={me} filters={route.filters} />
        <ImportCard reviewers={names} defaultReviewer={me} onImported={reviewers.reload} />
      </SimpleGrid>
    </Stack>
  );
}

function ExportCard({ reviewers, defaultReviewer, filters }: { reviewers: string[]; defaultReviewer: string | undefined; filters: QueueFilters }) {
  const api = useApi();
  const [format, setFormat] = useState<AnnotationFormat>('comprehend-jsonl');
  const [reviewer, setReviewer] = useState<string | null>(defaultReviewer ?? null);
  const [includeRejected, setIncludeRejected] = useState(false);
  const [subset, setSubset] = useState<ExportSubset>('all');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const hasFilter = Object.keys(normalizeFilters(filters)).length > 0;

  const run = async (): Promise<void> => {
    if (!reviewer) return;
    setBusy(true);
    setMessage(undefined);
    try {
      let documentIds: string[] | undefined;
      if (subset === 'done') documentIds = await queueDocumentIds(api, { reviewer, status: ['done'] }, reviewer);
      else if (subset === 'queue') documentIds = await queueDocumentIds(api, filters, reviewer);
      if (documentIds !== undefined && documentIds.length === 0) {
        setMessage({ ok: false, text: 'No note matches this subset: nothing to export.' });
        return;
      }
      const result = await api.review.export({ format, reviewer, includeRejected, ...(documentIds ? { documentIds } : {}) });
      if (!result.ok) {
        setMessage({ ok: false, text: describeOutcome(result.error) });
        return;
      }
      const { name, blob } = exportDownload(result.value, format, reviewer);
      downloadBlob(name, blob);
      setMessage({ ok: true, text: `Downloaded ${name} (${countOf(result.value.length, 'file')}${documentIds ? `, ${countOf(documentIds.length, 'note')}` : ''}).` });
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card withBorder padding="md" data-testid="annotation-export">
      <Stack gap="sm">
        <Title order={4}>Export</Title>
        <Select
          label="Format"
          data={FORMAT_OPTIONS.map((option) => ({ value: option.value, label: option.label }))}
          value={format}
          onChange={(value) => value && setFormat(value as AnnotationFormat)}
          allowDeselect={false}
          description={FORMAT_OPTIONS.find((option) => option.value === format)?.description}
        />
        <Select label="Reviewer" placeholder="Whose annotations" data={reviewers} value={reviewer} onChange={setReviewer} searchable data-testid="export-reviewer" />
        <Radio.Group label="Notes" value={subset} onChange={(value) => setSubset(value as ExportSubset)}>
          <Stack gap={6} mt={4}>
            <Radio value="all" label="Every note the reviewer worked on" />
            <Radio value="done" label="Only the notes the reviewer marked done" />
            <Radio value="queue" label={hasFilter ? 'The notes of the current queue filter' : 'The notes of the current queue filter (no filter: every note)'} />
          </Stack>
        </Radio.Group>
        <Checkbox label="Include rejected annotations (negatives for training)" checked={includeRejected} onChange={(event) => setIncludeRejected(event.currentTarget.checked)} />
        <Group>
          <Button leftSection={<IconDownload size={16} />} onClick={() => void run()} loading={busy} disabled={!reviewer} data-testid="export-annotations">
            Export
          </Button>
        </Group>
        {message && (
          <Alert color={message.ok ? 'green' : 'red'} variant="light" data-testid="export-message">
            {message.text}
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

function ImportCard({ reviewers, defaultReviewer, onImported }: { reviewers: string[]; defaultReviewer: string | undefined; onImported: () => void }) {
  const api = useApi();
  const [files, setFiles] = useState<File[]>([]);
  const [format, setFormat] = useState<AnnotationFormat | null>(null);
  const [reviewer, setReviewer] = useState(defaultReviewer ?? '');
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<ReviewImportResult | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);

  const choose = (chosen: File[]) => {
    setFiles(chosen);
    setReport(undefined);
    setFailure(undefined);
    const guess = guessFormat(chosen.map((file) => file.name));
    if (guess) setFormat(guess);
  };

  const run = async (): Promise<void> => {
    if (!format || files.length === 0 || reviewer.trim() === '') return;
    setBusy(true);
    setReport(undefined);
    setFailure(undefined);
    try {
      const read = await uploadedFiles(files);
      if (read.length === 0) {
        setFailure('The files hold nothing to import.');
        return;
      }
      const result = await api.review.import({ format, reviewer: reviewer.trim(), files: read });
      if (!result.ok) setFailure(describeOutcome(result.error));
      else {
        setReport(result.value);
        onImported();
      }
    } catch (e) {
      setFailure(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card withBorder padding="md" data-testid="annotation-import">
      <Stack gap="sm">
        <Title order={4}>Import</Title>
        <FileInput
          label="Files"
          description="JSONL files, or BRAT .txt/.ann files or a .zip of them"
          placeholder="Choose files…"
          multiple
          value={files}
          onChange={choose}
          leftSection={<IconFileUpload size={16} />}
          accept=".jsonl,.ndjson,.json,.txt,.ann,.conf,.zip"
          clearable
          data-testid="import-files"
        />
        <Select
          label="Format"
          placeholder="Choose the format"
          data={FORMAT_OPTIONS.map((option) => ({ value: option.value, label: option.label }))}
          value={format}
          onChange={(value) => setFormat(value as AnnotationFormat | null)}
          data-testid="import-format"
        />
        <Autocomplete
          label="As reviewer"
          description="The annotations become this reviewer’s records (a new name is fine)"
          data={reviewers}
          value={reviewer}
          onChange={setReviewer}
          maxLength={100}
          data-testid="import-reviewer"
        />
        <Group>
          <Button
            leftSection={<IconUpload size={16} />}
            onClick={() => void run()}
            loading={busy}
            disabled={!format || files.length === 0 || reviewer.trim() === ''}
            data-testid="import-annotations"
          >
            Import
          </Button>
        </Group>
        {failure && (
          <Alert color="red" variant="light" title="Import failed">
            {failure}
          </Alert>
        )}
        {report && <ImportReport report={report} />}
      </Stack>
    </Card>
  );
}

function ImportReport({ report }: { report: ReviewImportResult }) {
  return (
    <Stack gap="xs" data-testid="import-report">
      <Alert color={report.errors.length === 0 ? 'green' : 'yellow'} variant="light">
        <Text size="sm" data-testid="import-summary">
          {countOf(report.documents, 'note')} · {countOf(report.annotations, 'annotation')} written · {countOf(report.errors.length, 'error')}
        </Text>
      </Alert>
      {report.errors.length > 0 && (
        <Table fz="xs" striped withTableBorder data-testid="import-errors">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>File</Table.Th>
              <Table.Th>Line</Table.Th>
              <Table.Th>Problem</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.errors.slice(0, 200).map((error, index) => (
              <Table.Tr key={index}>
                <Table.Td>{error.file}</Table.Td>
                <Table.Td>{error.line === 0 ? '—' : error.line}</Table.Td>
                <Table.Td>{error.message}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {report.errors.length > 200 && (
        <Text size="xs" c="dimmed">
          The first 200 of {formatCount(report.errors.length)} errors.
        </Text>
      )}
    </Stack>
  );
}
