import { parseArgs } from 'node:util';
import { PushStoppedError } from '../bulk';
import type { PushResult } from '../bulk';
import { EudrClient } from '../client';
import type { BatchDds, BatchInput, EntityType, ProductInput, SupplierInput, TokenInfo } from '../client';
import { EudrError, TokenFormatError } from '../errors';
import { tokenDisplayPrefix } from '../token';
import { WebhookVerificationError, verifyWebhook } from '../webhooks';
import { ConfigError, configPath, loadSettings } from './config';
import { createProgressBar } from './progress';
import type { ProgressOutput } from './progress';
import { ENTITIES, InputError, loadRecords, parseMap, writeFailures } from './records';
import type { Entity } from './records';

/** What the CLI reads and writes, so that tests can run it in-process. */
export interface CliIo {
  stdout: ProgressOutput;
  stderr: ProgressOutput;
  readStdin(): Promise<Buffer>;
  env: Record<string, string | undefined>;
  home: string;
  /** The fetch the client sends with; default the global one. */
  fetch?: (request: Request) => Promise<Response>;
}

/** Exit codes, for scripts. */
export const EXIT = {
  /** Done: every record landed, the token is valid, the delivery is authentic. */
  OK: 0,
  /** Finished, but some records failed (see the failures file), or the delivery was refused. */
  FAILED: 1,
  /** Bad arguments, or an input file that cannot be read or mapped. */
  USAGE: 2,
  /** No token, a malformed one, a config file others can read, or the API refused the token. */
  TOKEN: 3,
  /** The API failed or could not be reached (after retries). */
  ERROR: 4,
} as const;

export const USAGE = `Usage: eudr <command> [options]

Commands:
  token check                          the token's format and checksum, and what it may do
  push suppliers|products|batches FILE push a CSV or JSON file; failed records go to FILE.errors.csv
  dds get BATCH                        the DDS of a batch
  sync status [--entity-type TYPE]     record counts, or the records of one type (SUPPLIER, PRODUCT, BATCH)
  webhooks verify --secret SECRET      verify a delivery read from stdin (a raw HTTP request,
                                       or only its body with --header "name: value" for each header)

Options:
  --json                 machine-readable output on stdout (messages stay on stderr)
  --base-url URL         default EUDR_BASE_URL, the config file's baseUrl, or http://127.0.0.1:8080
  --config FILE          default EUDR_CONFIG, or ~/.config/eudr/config.json
  push:                  --map "Column=field,..."  --format csv|json  --delimiter ";"
                         --auto-create-dds  --concurrency N (default 4)
  webhooks verify:       --secret (or EUDR_WEBHOOK_SECRET)  --header "name: value"  --tolerance SECONDS

The token comes from EUDR_TOKEN, else the config file: {"token": "eudr_live_...", "baseUrl": "..."}
with mode 600 (a file other users can read is refused).
Exit codes: 0 done, 1 some records failed or the delivery was refused, 2 usage or input error,
3 token problem (missing, malformed, or refused by the API), 4 API or network failure.
`;

/** Codes of a token the API refuses: exit 3, not 4. */
const TOKEN_CODES = new Set([
  'AUTHENTICATION_REQUIRED',
  'INVALID_TOKEN_FORMAT',
  'INVALID_TOKEN',
  'TOKEN_REVOKED',
  'TOKEN_EXPIRED',
  'INTEGRATION_INACTIVE',
  'IP_NOT_ALLOWED',
  'TOKEN_POLICY_VIOLATION',
  'INSUFFICIENT_SCOPES',
]);

class UsageError extends Error {}

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'base-url': { type: 'string' },
  config: { type: 'string' },
  map: { type: 'string', multiple: true },
  format: { type: 'string' },
  delimiter: { type: 'string' },
  'auto-create-dds': { type: 'boolean' },
  concurrency: { type: 'string' },
  'entity-type': { type: 'string' },
  secret: { type: 'string' },
  header: { type: 'string', multiple: true },
  tolerance: { type: 'string' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Runs one command line; resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const say = (text: string) => io.stderr.write(`${text}\n`);
  let flags: Flags = {};
  try {
    const parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
    flags = parsed.values;
    const [command, sub, ...rest] = parsed.positionals;
    const print = (human: string, data: unknown) =>
      io.stdout.write(flags.json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
    if (flags.help || command === undefined || command === 'help') {
      io.stdout.write(USAGE);
      return command === undefined && !flags.help ? EXIT.USAGE : EXIT.OK;
    }
    const client = () => {
      const settings = loadSettings(io.env, io.home, {
        ...(flags.config === undefined ? {} : { config: flags.config }),
        ...(flags['base-url'] === undefined ? {} : { baseUrl: flags['base-url'] }),
      });
      if (settings.token === undefined) {
        throw new ConfigError(
          `no token: set EUDR_TOKEN, or write {"token": "eudr_live_..."} to ${configPath(io.env, io.home, flags.config)} (chmod 600)`,
        );
      }
      const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
      if (
        concurrency !== undefined &&
        (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32)
      ) {
        throw new UsageError('--concurrency must be an integer from 1 to 32');
      }
      return {
        settings,
        api: new EudrClient({
          token: settings.token,
          baseUrl: settings.baseUrl,
          ...(concurrency === undefined ? {} : { concurrency }),
          ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
        }),
      };
    };

    switch (`${command} ${sub ?? ''}`.trim()) {
      case 'token check':
        return await tokenCheck(client, print);
      case 'push':
        throw new UsageError(`push what? eudr push ${ENTITIES.join('|')} FILE`);
      case 'dds get': {
        if (rest[0] === undefined) throw new UsageError('eudr dds get BATCH: which batch (its externalId)?');
        const dds = await client().api.dds.get(rest[0]);
        print(describeDds(dds), dds);
        return EXIT.OK;
      }
      case 'sync status':
        return await syncStatus(client().api, flags, print);
      case 'webhooks verify':
        return await webhooksVerify(flags, io, print, say);
      default:
        if (command === 'push' && (ENTITIES as readonly string[]).includes(sub ?? '')) {
          if (rest[0] === undefined) throw new UsageError(`eudr push ${sub} FILE: which file?`);
          return await push(sub as Entity, rest[0], flags, client, print, say, io);
        }
        throw new UsageError(`unknown command "${[command, sub].filter(Boolean).join(' ')}"`);
    }
  } catch (error) {
    return fail(error, flags.json === true, io, say);
  }
}

function fail(error: unknown, json: boolean, io: CliIo, say: (text: string) => void): number {
  let exit: number = EXIT.ERROR;
  let code = 'ERROR';
  let requestId: string | undefined;
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    exit = EXIT.USAGE;
    code = 'USAGE';
    say(`eudr: ${(error as Error).message}\nRun "eudr --help" for the commands and options.`);
  } else if (error instanceof InputError) {
    exit = EXIT.USAGE;
    code = 'INPUT';
    say(`eudr: ${error.message}`);
  } else if (error instanceof ConfigError) {
    exit = EXIT.TOKEN;
    code = 'CONFIG';
    say(`eudr: ${error.message}`);
  } else if (error instanceof EudrError) {
    exit = error instanceof TokenFormatError || TOKEN_CODES.has(error.code) ? EXIT.TOKEN : EXIT.ERROR;
    code = error.code;
    requestId = error.requestId;
    say(`eudr: ${error.message} (${error.code}${requestId ? `, request id ${requestId}` : ''})`);
  } else {
    say(`eudr: ${(error as Error)?.message ?? String(error)}`);
  }
  if (json) {
    const body = {
      ok: false,
      error: { code, message: (error as Error)?.message, ...(requestId ? { requestId } : {}) },
    };
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  }
  return exit;
}

type Print = (human: string, data: unknown) => void;
type MakeClient = () => { settings: { tokenSource: string; token: string | undefined }; api: EudrClient };

/** The token check: format and checksum (the client refuses a bad token before sending), then `GET /token`. */
async function tokenCheck(client: MakeClient, print: Print): Promise<number> {
  const { settings, api } = client();
  const info = await api.whoami();
  const rate = api.rateLimit();
  const prefix = tokenDisplayPrefix(settings.token ?? '');
  print(describeToken(info, prefix, settings.tokenSource, rate), {
    ok: true,
    token: { prefix, ...info },
    rateLimit: rate,
  });
  return EXIT.OK;
}

function describeToken(
  info: TokenInfo,
  prefix: string,
  source: string,
  rate: { limit: number | undefined; remaining: number | undefined },
): string {
  const expires =
    info.expiresAt === null
      ? 'never'
      : `${info.expiresAt} (in ${Math.max(0, Math.floor((Date.parse(info.expiresAt) - Date.now()) / 86_400_000))} days)`;
  return [
    `token ${prefix} (from ${source})`,
    `  format       ok`,
    `  checksum     ok`,
    `  id           ${info.id}`,
    `  name         ${info.name}`,
    `  integration  ${info.integrationId} (organisation ${info.orgId})`,
    `  scopes       ${info.scopes.length === 0 ? '(none)' : info.scopes.join(', ')}`,
    `  expires      ${expires}`,
    ...(rate.limit === undefined
      ? []
      : [`  rate limit   ${rate.remaining ?? '?'} of ${rate.limit} requests left in this window`]),
  ].join('\n');
}

/** What a push did, as {@link reportPush} tells it. */
interface PushOutcome {
  entity: Entity;
  file: string;
  total: number;
  seconds: number;
  result: PushResult;
  stopped: PushStoppedError | undefined;
  failuresFile: string | undefined;
}

/** Prints a push's outcome (text, or JSON with --json) and returns the exit code. */
function reportPush(outcome: PushOutcome, print: Print, say: (text: string) => void): number {
  const { entity, file, total, seconds, result, stopped, failuresFile } = outcome;
  const perSecond = Math.round(total / Math.max(seconds, 0.001));
  const human = [
    `${entity}: ${total} records in ${seconds.toFixed(1)} s (${perSecond} records/s): ` +
      `${result.created} created, ${result.updated} updated, ${result.errors.length} failed`,
    ...(result.ddsCreated === undefined ? [] : [`DDS drafted: ${result.ddsCreated.length}`]),
    ...(failuresFile === undefined
      ? []
      : [`failed records with their errors: ${failuresFile} (fix them and push that file again)`]),
  ].join('\n');
  print(human, {
    ok: stopped === undefined && result.errors.length === 0,
    entity,
    file,
    total,
    created: result.created,
    updated: result.updated,
    failed: result.errors.length,
    seconds: Number(seconds.toFixed(3)),
    recordsPerSecond: perSecond,
    ...(failuresFile === undefined ? {} : { failuresFile }),
    ...(result.ddsCreated === undefined ? {} : { ddsCreated: result.ddsCreated }),
    ...(stopped === undefined
      ? {}
      : {
          stopped: {
            code: stopped.code,
            message: stopped.message,
            requestId: stopped.requestId,
            notSent: stopped.notSent.length,
          },
        }),
  });
  if (stopped !== undefined) {
    say(
      `eudr: stopped: ${(stopped.cause as Error).message} (${stopped.code}${stopped.requestId ? `, request id ${stopped.requestId}` : ''}). ` +
        `${stopped.notSent.length} records were not sent${failuresFile ? `; they are in ${failuresFile} with the others that failed` : ''}.`,
    );
    return TOKEN_CODES.has(stopped.code) ? EXIT.TOKEN : EXIT.ERROR;
  }
  return result.errors.length > 0 ? EXIT.FAILED : EXIT.OK;
}

async function push(
  entity: Entity,
  file: string,
  flags: Flags,
  client: MakeClient,
  print: Print,
  say: (text: string) => void,
  io: CliIo,
): Promise<number> {
  if (flags.format !== undefined && flags.format !== 'csv' && flags.format !== 'json') {
    throw new UsageError('--format is csv or json');
  }
  const loaded = loadRecords(file, entity, {
    ...(flags.format === undefined ? {} : { format: flags.format }),
    ...(flags.map === undefined ? {} : { map: parseMap(flags.map, entity) }),
    ...(flags.delimiter === undefined ? {} : { delimiter: flags.delimiter }),
  });
  if (loaded.ignored.length > 0)
    say(`note: columns not pushed (no field of that name; see --map): ${loaded.ignored.join(', ')}`);
  const { api } = client();
  const total = loaded.records.length;
  const bar = createProgressBar(flags.json ? ({} as ProgressOutput) : io.stderr, total);
  const options = { onProgress: (p: { done: number }) => bar.update(p.done) };
  const started = performance.now();
  let result: PushResult;
  let stopped: PushStoppedError | undefined;
  try {
    result =
      entity === 'suppliers'
        ? await api.suppliers.upsert(loaded.records as SupplierInput[], options)
        : entity === 'products'
          ? await api.products.upsert(loaded.records as ProductInput[], options)
          : await api.batches.upsert(loaded.records as BatchInput[], {
              ...options,
              autoCreateDDS: flags['auto-create-dds'] === true,
            });
  } catch (error) {
    bar.finish();
    if (!(error instanceof PushStoppedError)) throw error;
    stopped = error;
    result = error.result;
  }
  bar.finish();
  const seconds = (performance.now() - started) / 1000;
  const failuresFile = result.errors.length > 0 ? writeFailures(file, loaded, result.errors) : undefined;
  return reportPush({ entity, file, total, seconds, result, stopped, failuresFile }, print, say);
}

function describeDds(dds: BatchDds): string {
  const history = dds.ddsSubmissions.map((s) => `    ${s.createdAt}  ${s.ddsNumber}  ${s.status}`);
  return [
    `batch     ${dds.batchExternalId} (number ${dds.batchNumber}, ${dds.internalBatchId})`,
    `product   ${dds.product.name} (${dds.product.id}, hsCode ${dds.product.hsCode ?? 'none'})`,
    `supplier  ${dds.supplier === null ? 'none' : `${dds.supplier.name} (${dds.supplier.id}, ${dds.supplier.country ?? 'no country'})`}`,
    `DDS       ${dds.ddsNumber === null ? 'none' : `${dds.ddsNumber} ${dds.ddsStatus ?? ''}`}`,
    ...(history.length === 0 ? [] : ['history', ...history]),
  ].join('\n');
}

async function syncStatus(api: EudrClient, flags: Flags, print: Print): Promise<number> {
  const type = flags['entity-type']?.toUpperCase();
  if (type === undefined) {
    const counts = await api.sync.status();
    print(
      Object.entries(counts)
        .map(([name, count]) => `${name.padEnd(10)} ${count.total}`)
        .join('\n'),
      counts,
    );
    return EXIT.OK;
  }
  if (type !== 'SUPPLIER' && type !== 'PRODUCT' && type !== 'BATCH') {
    throw new UsageError('--entity-type is SUPPLIER, PRODUCT or BATCH');
  }
  const records = [];
  for await (const record of api.sync.records(type as EntityType)) records.push(record);
  print(
    records.map((r) => `${r.externalId}\t${r.syncStatus}\t${r.lastSyncedAt}\t${r.name}`).join('\n'),
    records,
  );
  return EXIT.OK;
}

const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

/** Splits stdin into headers and the raw body: a raw HTTP request, or only the body with `--header`. */
function delivery(input: Buffer, flagHeaders: readonly string[] | undefined) {
  const headers = new Headers();
  const add = (line: string) => {
    const match = HEADER_LINE.exec(line);
    if (match === null) throw new UsageError(`not a header: "${line.slice(0, 60)}"`);
    headers.append(match[1] as string, match[2] as string);
  };
  if (flagHeaders !== undefined) {
    flagHeaders.forEach(add);
    return { headers, body: input };
  }
  const text = input.toString('latin1');
  const end = /\r?\n\r?\n/.exec(text);
  if (end === null)
    throw new UsageError(
      'stdin holds no headers: pipe the raw HTTP request, or give --header for each header',
    );
  const lines = text.slice(0, end.index).split(/\r?\n/);
  // A request line ("POST /hooks HTTP/1.1") may come first.
  if (lines[0] !== undefined && !HEADER_LINE.test(lines[0])) lines.shift();
  lines.forEach(add);
  return { headers, body: input.subarray(end.index + end[0].length) };
}

async function webhooksVerify(
  flags: Flags,
  io: CliIo,
  print: Print,
  say: (text: string) => void,
): Promise<number> {
  const secret = flags.secret ?? io.env['EUDR_WEBHOOK_SECRET'];
  if (secret === undefined || secret === '') {
    throw new UsageError(
      'eudr webhooks verify needs the subscription secret: --secret or EUDR_WEBHOOK_SECRET',
    );
  }
  const tolerance = flags.tolerance === undefined ? undefined : Number(flags.tolerance);
  if (tolerance !== undefined && !(tolerance > 0)) throw new UsageError('--tolerance is a number of seconds');
  const { headers, body } = delivery(await io.readStdin(), flags.header);
  try {
    const verified = await verifyWebhook(headers, new Uint8Array(body), secret, {
      ...(tolerance === undefined ? {} : { toleranceSeconds: tolerance }),
    });
    const age = Math.round(Date.now() / 1000 - verified.timestamp);
    print(
      `verified: ${verified.event.event} delivery ${verified.id ?? '(no id)'}, signed ${age} s ago (${verified.scheme} signature)`,
      { ok: true, ...verified },
    );
    return EXIT.OK;
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    say(`eudr: refused: ${error.message}`);
    print(`refused (${error.reason})`, { ok: false, reason: error.reason, message: error.message });
    return EXIT.FAILED;
  }
}
