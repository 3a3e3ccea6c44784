/**
 * Electron: the preload exposes `window.hearth` with one object per domain of named functions
 * (never a generic invoke), `onEvent`, an optional `pickFolder`, and `platform: 'electron'`.
 */
import { createApi } from '../../../src-main/api/client';
import type { HearthEvent } from '../../../src-main/api/contract';
import type { FilePurpose, FolderPurpose } from '../../../src-main/transport/ipc-channels';
import type { Result } from '../../../src-main/api/result';
import { EventHub } from './events';
import { errorMessage, failure, isResult } from './outcomes';
import type { ConnectionState, RendererClient } from './types';

type BridgeFunction = (input: unknown) => Promise<unknown>;

/** What the preload exposes, typed structurally so the renderer does not import preload code. */
export interface PreloadBridge {
  platform: 'electron';
  onEvent(listener: (event: HearthEvent) => void): () => void;
  pickFolder?: (purpose?: FolderPurpose) => Promise<string | null>;
  pickFile?: (purpose: FilePurpose) => Promise<string | null>;
  [domain: string]: unknown;
}

export function findPreloadBridge(target: object): PreloadBridge | null {
  const candidate = (target as { hearth?: unknown }).hearth;
  if (typeof candidate !== 'object' || candidate === null) return null;
  const bridge = candidate as Partial<PreloadBridge>;
  return bridge.platform === 'electron' && typeof bridge.onEvent === 'function' ? (bridge as PreloadBridge) : null;
}

export function createElectronClient(bridge: PreloadBridge): RendererClient {
  const call = async (channel: string, payload: unknown): Promise<Result<unknown>> => {
    const [domain = '', method = ''] = channel.split('.');
    const group = bridge[domain] as Record<string, BridgeFunction | undefined> | undefined;
    const fn = group?.[method];
    if (typeof fn !== 'function') return failure('not-supported', `The app does not offer ${channel}`);
    try {
      const answer = await fn(payload);
      return isResult(answer) ? answer : failure('exception', `Unexpected answer to ${channel}`);
    } catch (error) {
      return failure('exception', `The call ${channel} failed: ${errorMessage(error)}`);
    }
  };
  const connection = new EventHub<ConnectionState>();
  const pickFolder = bridge.pickFolder;
  const pickFile = bridge.pickFile;
  return {
    api: createApi(call),
    platform: 'electron',
    onEvent: (listener) => bridge.onEvent(listener),
    onConnectionChange: (listener) => connection.subscribe(listener),
    ...(pickFolder ? { pickFolder: (purpose?: FolderPurpose) => pickFolder(purpose) } : {}),
    ...(pickFile ? { pickFile: (purpose: FilePurpose) => pickFile(purpose) } : {}),
    close: () => undefined,
  };
}
