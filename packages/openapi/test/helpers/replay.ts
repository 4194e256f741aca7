import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@eudr/testkit';
import type { Contract, Operation } from './contract';

/** A response as the replay received it, its JSON body parsed when it has one. */
export interface Replayed {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
  /** The operation the document gives for the request, and what did not match it. */
  operation: Operation | undefined;
  problems: string[];
}

/** Options of one replayed request. */
export interface ReplayOptions {
  token?: string;
  /** The raw Authorization header (wins over `token`). */
  authorization?: string;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  /** Sent as is (with `contentType`, default application/json). */
  raw?: string;
  contentType?: string;
  /** Further request headers. */
  headers?: Record<string, string>;
}

/**
 * Sends requests through the edge and checks every answer against the document; remembers which
 * operation answered which status, so a suite can tell what it has not exercised.
 */
export class Replay {
  /** `operationId` → statuses seen. */
  readonly seen = new Map<string, Set<number>>();

  constructor(
    private readonly baseUrl: string,
    readonly contract: Contract,
  ) {}

  async send(method: string, path: string, options: ReplayOptions = {}): Promise<Replayed> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.authorization !== undefined) headers['authorization'] = options.authorization;
    else if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const exchange = { method, path, status: response.status, headers: response.headers, text };
    const { operation, problems } = this.contract.check(exchange);
    if (operation !== undefined) {
      const statuses = this.seen.get(operation.operationId) ?? new Set<number>();
      statuses.add(response.status);
      this.seen.set(operation.operationId, statuses);
    }
    return { status: response.status, headers: response.headers, text, body: parsed, operation, problems };
  }
}

/** The `error` code of a replayed answer. */
export function codeOf(result: Replayed): unknown {
  return typeof result.body === 'object' && result.body !== null
    ? (result.body as { error?: unknown }).error
    : undefined;
}

/** A field of a replayed JSON object answer. */
export function field<T = unknown>(result: Replayed, name: string): T {
  if (typeof result.body !== 'object' || result.body === null) {
    throw new Error(`no JSON object body (status ${result.status}): ${result.text.slice(0, 200)}`);
  }
  return (result.body as Record<string, T>)[name] as T;
}

interface ServiceEntry {
  name: string;
  routes: string[];
}

/** The app the edge routes a path template to (longest prefix of infra/services.json), if any. */
export function appServing(template: string): string | undefined {
  const table = JSON.parse(readFileSync(path.join(repoRoot(), 'infra', 'services.json'), 'utf8')) as {
    apps: ServiceEntry[];
  };
  let best: { app: string; length: number } | undefined;
  for (const app of table.apps) {
    for (const route of app.routes) {
      const covers = route.endsWith('/')
        ? template.startsWith(route)
        : template === route || template.startsWith(`${route}/`);
      if (covers && (best === undefined || route.length > best.length))
        best = { app: app.name, length: route.length };
    }
  }
  return best?.app;
}

/** Whether an app's workspace exists (the rule by which the local stack and edge include it). */
export function appExists(name: string): boolean {
  return existsSync(path.join(repoRoot(), 'apps', name, 'package.json'));
}
