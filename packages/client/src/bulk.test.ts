import { ApiError, NetworkError } from './errors';
import { PushStoppedError, pushInChunks } from './bulk';
import type { ChunkAnswer } from './bulk';

// pushInChunks against an in-memory stand-in of a bulk endpoint that answers like the API: one result
// per record in request order, one error per failed record, CREATED the first time, UPDATED after.

interface Rec {
  externalId?: unknown;
  name?: string;
}

function fakeEndpoint(
  options: { failOn?: (sent: number) => Error | undefined; delayMs?: () => number } = {},
) {
  const stored = new Set<string>();
  const requests: Rec[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = async (chunk: Rec[]): Promise<ChunkAnswer> => {
    requests.push(chunk);
    const number = requests.length;
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs?.() ?? 1));
      const failure = options.failOn?.(number);
      if (failure !== undefined) throw failure;
      const answer: ChunkAnswer = { created: 0, updated: 0, errors: [], records: [] };
      for (const record of chunk) {
        const id = typeof record.externalId === 'string' ? record.externalId : '';
        if (id === '' || record.name === 'bad') {
          answer.records.push({ externalId: id, internalId: '', status: 'ERROR' });
          answer.errors.push({ externalId: id, error: id === '' ? 'externalId: is required' : 'name: bad' });
        } else {
          const status = stored.has(id) ? 'UPDATED' : 'CREATED';
          stored.add(id);
          answer[status === 'CREATED' ? 'created' : 'updated'] += 1;
          answer.records.push({ externalId: id, internalId: `sup_${id}`, status });
        }
      }
      return answer;
    } finally {
      inFlight -= 1;
    }
  };
  return { send, requests, stored, maxInFlight: () => maxInFlight };
}

const records = (n: number, from = 0): Rec[] =>
  Array.from({ length: n }, (_, i) => ({ externalId: `S-${from + i}`, name: `Supplier ${from + i}` }));

describe('pushInChunks', () => {
  it('splits into requests of at most 500, sends them concurrently, and answers in input order as one request', async () => {
    const input = records(1_234);
    (input[3] as Rec).name = 'bad';
    (input[777] as Rec).name = 'bad';
    const endpoint = fakeEndpoint({ delayMs: () => Math.random() * 20 });
    const progress: number[] = [];
    const result = await pushInChunks(input, endpoint.send, {
      concurrency: 3,
      onProgress: (p) => progress.push(p.done),
    });
    expect(endpoint.requests.map((r) => r.length)).toEqual([500, 500, 234]);
    expect(endpoint.maxInFlight()).toBe(3);
    expect(result.records.map((r) => r.externalId)).toEqual(input.map((r) => r.externalId));
    expect(result).toMatchObject({ success: true, created: 1_232, updated: 0 });
    expect(result.errors).toEqual([
      { index: 3, externalId: 'S-3', error: 'name: bad' },
      { index: 777, externalId: 'S-777', error: 'name: bad' },
    ]);
    expect(progress.at(-1)).toBe(1_234);
  });

  it('refuses a later duplicate of an externalId anywhere in the input before sending, as one request would', async () => {
    const input = [
      ...records(600),
      { externalId: ' S-2 ', name: 'again' },
      { externalId: 'S-599', name: 'again' },
    ];
    const endpoint = fakeEndpoint();
    const result = await pushInChunks(input, endpoint.send, { concurrency: 2 });
    expect(endpoint.requests.flat()).toHaveLength(600);
    expect(result.errors).toEqual([
      {
        index: 600,
        externalId: 'S-2',
        error: 'externalId: duplicate of record 2 in this request (records are numbered from 0)',
      },
      {
        index: 601,
        externalId: 'S-599',
        error: 'externalId: duplicate of record 599 in this request (records are numbered from 0)',
      },
    ]);
    expect(result.records[600]).toEqual({ externalId: 'S-2', internalId: '', status: 'ERROR' });
    expect(result.created).toBe(600);
  });

  it('splits a request refused as too large (413) and sends both halves', async () => {
    const endpoint = fakeEndpoint({
      failOn: (n) => (n === 1 ? new ApiError(413, 'PAYLOAD_TOO_LARGE', 'too large') : undefined),
    });
    const result = await pushInChunks(records(10), endpoint.send, { concurrency: 1, chunkSize: 10 });
    expect(endpoint.requests.map((r) => r.length)).toEqual([10, 5, 5]);
    expect(result.created).toBe(10);
  });

  it('stops at a request that fails as a whole, waits for those in flight, and reports what was not sent', async () => {
    const revoked = new ApiError(401, 'TOKEN_REVOKED', 'The API token has been revoked.', {
      requestId: 'r-1',
    });
    const endpoint = fakeEndpoint({ failOn: (n) => (n === 2 ? revoked : undefined), delayMs: () => 5 });
    const error = await pushInChunks(records(2_500), endpoint.send, { concurrency: 1 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PushStoppedError);
    const stopped = error as PushStoppedError;
    expect(stopped.code).toBe('TOKEN_REVOKED');
    expect(stopped.requestId).toBe('r-1');
    expect(stopped.cause).toBe(revoked);
    // The first request landed; the failed one and the three never sent are "not sent".
    expect(endpoint.requests).toHaveLength(2);
    expect(stopped.result.created).toBe(500);
    expect(stopped.notSent).toEqual(Array.from({ length: 2_000 }, (_, i) => 500 + i));
    expect(stopped.result.errors[0]).toEqual({
      index: 500,
      externalId: 'S-500',
      error: 'not sent: TOKEN_REVOKED',
    });
    expect(stopped.message).toMatch(
      /^The push stopped after 500 of 2500 records: The API token has been revoked\.$/,
    );
  });

  it('keeps the answers of requests in flight when another one fails', async () => {
    const endpoint = fakeEndpoint({
      failOn: (n) => (n === 1 ? new NetworkError('NETWORK_ERROR', 'unreachable', 6, undefined) : undefined),
      delayMs: () => 5,
    });
    const error = (await pushInChunks(records(1_500), endpoint.send, { concurrency: 3 }).catch(
      (e: unknown) => e,
    )) as PushStoppedError;
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.result.created).toBe(1_000);
    expect(error.notSent).toHaveLength(500);
  });

  it('answers an empty input without a request, and refuses a chunk size above 500', async () => {
    const endpoint = fakeEndpoint();
    expect(await pushInChunks([], endpoint.send, { concurrency: 4 })).toEqual({
      success: true,
      created: 0,
      updated: 0,
      errors: [],
      records: [],
    });
    expect(endpoint.requests).toHaveLength(0);
    await expect(pushInChunks(records(1), endpoint.send, { concurrency: 1, chunkSize: 501 })).rejects.toThrow(
      RangeError,
    );
  });
});
