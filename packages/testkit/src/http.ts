/** A response with its JSON body parsed (`null` when the body is not JSON). */
export interface HttpResult {
  status: number;
  headers: Headers;
  // Bodies are checked field by field in the tests; a type per route would add nothing here.
  body: Record<string, unknown> | null;
  /** When the response had been read, in `Date.now()` milliseconds. */
  at: number;
}

/** Options of {@link call}. */
export interface CallOptions {
  method?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** The raw `Authorization` header (wins over `token`). */
  authorization?: string;
  /** JSON-encoded. */
  body?: unknown;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

/** One HTTP request to `baseUrl + path`, the response body read and parsed. */
export async function call(baseUrl: string, path: string, options: CallOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.authorization !== undefined) headers['authorization'] = options.authorization;
  else if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    body = null;
  }
  return { status: response.status, headers: response.headers, body, at: Date.now() };
}

/** The error code of a response, or undefined for a success. */
export function errorCode(result: HttpResult): string | undefined {
  const code = result.body?.['error'];
  return typeof code === 'string' ? code : undefined;
}
