import { execFile } from 'node:child_process';

/*
 * Raw access to topics for tests, through kcat (Debian package `kcat`, installed by `.ci/run`): an
 * independent Kafka client, so tests can write what the validating producer refuses and read what the
 * validating consumer would skip, without anything outside the events package importing a Kafka
 * client library.
 */

/** One message as it is on the wire: key and value as raw UTF-8 text, neither decoded nor validated. */
export interface RawMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  /** Header values as text (the last one when a name repeats). */
  headers: Record<string, string>;
}

function kcat(args: string[], input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kcat',
      args,
      { maxBuffer: 256 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) {
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          reject(
            new Error(
              missing ? 'kcat is not installed (Debian: apt-get install kcat)' : `kcat failed: ${stderr}`,
            ),
          );
        } else resolve(stdout);
      },
    );
    child.stdin?.end(input ?? Buffer.alloc(0));
  });
}

/** SASL credentials for a broker started with them (see `startPrivateKafka`). */
export interface RawKafkaSasl {
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  username: string;
  password: string;
}

function securityArgs(sasl: RawKafkaSasl | undefined): string[] {
  if (sasl === undefined) return [];
  return [
    ...['-X', 'security.protocol=SASL_PLAINTEXT', '-X', `sasl.mechanisms=${sasl.mechanism}`],
    ...['-X', `sasl.username=${sasl.username}`, '-X', `sasl.password=${sasl.password}`],
  ];
}

/**
 * Writes one record, exactly as given, to one partition of a physical topic, with `headers` (e.g. a
 * forged signature) and SASL credentials when the broker needs them.
 */
export async function produceRaw(
  brokers: string[],
  topic: string,
  partition: number,
  key: Buffer,
  value: Buffer,
  options: { headers?: Record<string, string>; sasl?: RawKafkaSasl } = {},
): Promise<void> {
  const headers = Object.entries(options.headers ?? {}).flatMap(([name, text]) => ['-H', `${name}=${text}`]);
  // -K with a delimiter byte that appears in neither key nor value.
  const delimiter = Buffer.from('\u0001');
  await kcat(
    [
      ...['-P', '-b', brokers.join(','), '-t', topic, '-p', String(partition), '-K', '\u0001'],
      ...headers,
      ...securityArgs(options.sasl),
    ],
    Buffer.concat([key, delimiter, value, Buffer.from('\n')]),
  );
}

/** Every message of the given physical topics, from the beginning to their current ends. */
export async function readRawMessages(
  brokers: string[],
  topics: string[],
  options: { sasl?: RawKafkaSasl } = {},
): Promise<RawMessage[]> {
  const messages: RawMessage[] = [];
  for (const topic of topics) {
    let out: string;
    try {
      out = await kcat([
        ...['-C', '-b', brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-J', '-q'],
        ...securityArgs(options.sasl),
      ]);
    } catch (error) {
      // A topic nobody has created yet holds no messages.
      if (error instanceof Error && error.message.includes('Unknown topic or partition')) continue;
      throw error;
    }
    for (const line of out.split('\n')) {
      if (!line.trim()) continue;
      const m = JSON.parse(line) as {
        topic: string;
        partition: number;
        offset: number;
        key: string | null;
        payload: string | null;
        headers?: string[];
      };
      const headers: Record<string, string> = {};
      for (let i = 0; i + 1 < (m.headers ?? []).length; i += 2) {
        headers[m.headers?.[i] ?? ''] = m.headers?.[i + 1] ?? '';
      }
      messages.push({
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        key: m.key,
        value: m.payload,
        headers,
      });
    }
  }
  return messages;
}
