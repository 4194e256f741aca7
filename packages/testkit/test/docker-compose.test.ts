import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../src/paths';

// docker-compose cannot run on every machine that runs the tests, so its file is checked by reading:
// it must stay in step with infra/services.json (the table the local stack and edge are built from).

interface AppEntry {
  name: string;
  port: number;
  routes: string[];
  env: Record<string, string>;
}

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string };
  networks?: Record<string, { ipv4_address?: string } | null>;
}

const root = repoRoot();
const apps = (
  JSON.parse(readFileSync(path.join(root, 'infra', 'services.json'), 'utf8')) as { apps: AppEntry[] }
).apps;
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  networks?: Record<string, { ipam?: { config?: { subnet?: string; ip_range?: string }[] } }>;
};
const services = compose.services;
const consoleTable = JSON.parse(readFileSync(path.join(root, 'infra', 'edge', 'console.json'), 'utf8')) as {
  audience: string;
  devProvider: { app: string; port: number };
};

function service(name: string): ComposeService {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/**
 * Secrets (and the list of public keys that must match the signing key), which docker-compose takes from
 * the environment or .env, never from the table.
 */
const isSecret = (variable: string): boolean => /(SECRET|_KEY|_KEYS)$/.test(variable);
/** The state signing key pair: made with openssl genpkey, not openssl rand. */
const KEY_PAIR = new Set(['AUTH_STATE_SIGNING_KEY', 'AUTH_STATE_PUBLIC_KEYS']);
const operatorKey = generateKeyPairSync('ed25519').privateKey;
const operatorKeyPair: Record<string, string> = {
  AUTH_STATE_SIGNING_KEY: `k1:${operatorKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')}`,
  AUTH_STATE_PUBLIC_KEYS: `k1:${createPublicKey(operatorKey).export({ type: 'spki', format: 'der' }).toString('base64')}`,
};

/** The app's table env as docker-compose must spell it, secrets aside: {{url:x}} → http://x:<port>. */
function composeEnv(app: AppEntry): Record<string, string> {
  return Object.fromEntries(
    Object.entries(app.env)
      .filter(([key]) => !isSecret(key))
      .map(([key, value]) => [
        key,
        value.replace(/\{\{url:([a-z0-9-]+)\}\}/g, (_, name: string) => {
          const target = apps.find((a) => a.name === name);
          if (!target) throw new Error(`${app.name} env refers to unknown app ${name}`);
          return `http://${target.name}:${target.port}`;
        }),
      ]),
  );
}

/** A compose service's environment as strings. */
function environmentOf(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service(name).environment ?? {}).map(([key, value]) => [key, String(value)]),
  );
}

/** Fresh strong secrets, as an operator's .env would hold. */
const operatorSecrets = new Map<string, string>();

/**
 * The environment a container gets, as docker-compose interpolates it from an operator's .env:
 * `${VAR:?…}` → a fresh strong secret, `${VAR:-}` → unset; plus the image's NODE_ENV=production.
 */
function containerEnv(name: string): Record<string, string> {
  const env = environmentOf(name);
  for (const [key, value] of Object.entries(env)) {
    const required = /^\$\{(\w+):\?[^}]+\}$/.exec(value)?.[1];
    if (required !== undefined) {
      if (!operatorSecrets.has(required)) {
        operatorSecrets.set(required, operatorKeyPair[required] ?? randomBytes(32).toString('hex'));
      }
      env[key] = operatorSecrets.get(required) ?? '';
    } else if (/^\$\{\w+:-\}$/.test(value)) env[key] = '';
  }
  return { ...env, NODE_ENV: 'production' };
}

/** An app's built configuration module (apps/<name>/dist/config.js). */
function configModule(name: string): string {
  return path.join(root, 'apps', name, 'dist', 'config.js');
}

function referencedApps(app: AppEntry): string[] {
  return Object.values(app.env).flatMap((value) =>
    [...value.matchAll(/\{\{url:([a-z0-9-]+)\}\}/g)].map((m) => m[1] ?? ''),
  );
}

describe('docker-compose.yml', () => {
  it('lists at least one app in infra/services.json', () => {
    expect(apps.length).toBeGreaterThan(0);
  });

  it.each(apps.map((app) => [app.name, app] as const))(
    'runs %s from the shared image with its port, the compose hostnames and its table env',
    (_name, app) => {
      const svc = service(app.name);
      expect(svc.image).toBe('eudr-platform:local');
      expect(svc.build).toBeDefined();
      const env = environmentOf(app.name);
      expect(env).toMatchObject({
        APP: app.name,
        PORT: String(app.port),
        HOST: '0.0.0.0',
        MONGO_URL: `mongodb://mongo:27017/eudr_${app.name.replace(/-/g, '_')}`,
        KAFKA_BROKERS: 'kafka:29092',
        ...composeEnv(app),
      });
    },
  );

  it.each(apps.map((app) => [app.name, app] as const))(
    'checks %s through its own /readyz on its port',
    (_name, app) => {
      const test = service(app.name).healthcheck?.test;
      expect(JSON.stringify(test)).toContain(`http://127.0.0.1:${app.port}/readyz`);
    },
  );

  it.each(apps.map((app) => [app.name, app] as const))(
    'starts %s after MongoDB, Kafka and every app its env points at are healthy',
    (_name, app) => {
      const dependsOn = service(app.name).depends_on ?? {};
      for (const needed of ['mongo', 'kafka', ...referencedApps(app)]) {
        expect(dependsOn[needed]).toEqual({ condition: 'service_healthy' });
      }
    },
  );

  it.each(apps.filter((app) => app.name !== 'auth-service').map((app) => [app.name] as const))(
    'points %s at the shared Redis for the rate-limit counters and waits for it',
    (name) => {
      const svc = service(name);
      expect(String(svc.environment?.['REDIS_URL'])).toBe('redis://redis:6379');
      expect(svc.depends_on?.['redis']).toEqual({ condition: 'service_healthy' });
    },
  );

  it.each(
    apps.flatMap((app) =>
      Object.keys(app.env)
        .filter(isSecret)
        .map((variable) => [app.name, variable] as const),
    ),
  )('takes %s’s %s from the environment or .env, and refuses to start without it', (name, variable) => {
    expect(environmentOf(name)[variable]).toMatch(new RegExp(`^\\$\\{${variable}:\\?.+\\}$`));
  });

  it('names every secret it requires in .env.example, with the command that makes a .env', () => {
    const example = readFileSync(path.join(root, '.env.example'), 'utf8');
    const required = new Set(
      Object.keys(services).flatMap((name) =>
        Object.values(environmentOf(name)).flatMap((value) => /^\$\{(\w+):\?/.exec(value)?.[1] ?? []),
      ),
    );
    expect(required.size).toBeGreaterThan(0);
    for (const variable of required) {
      expect(example).toMatch(new RegExp(`^${variable}=$`, 'm'));
      if (KEY_PAIR.has(variable)) {
        expect(example).toMatch(new RegExp(`openssl genpkey -algorithm ed25519.*"${variable}=k1:`));
      } else {
        expect(example).toMatch(new RegExp(`for v in [A-Z_ ]*\\b${variable}\\b.*openssl rand -hex 32`));
      }
    }
  });

  it('runs the apps with NODE_ENV=production, which the production rule for secrets keys on', () => {
    const runtime = readFileSync(path.join(root, 'Dockerfile'), 'utf8').split(/^FROM /m);
    expect(runtime.find((stage) => / AS runtime\b/.test(stage))).toMatch(/^ENV NODE_ENV=production$/m);
  });

  // Each app's own config loader (its build output; npm test builds first) must accept what
  // docker-compose gives it with an operator's .env, and refuse the development values of the table.
  const loadConfigOf = (name: string) =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app's build output, by path
    (require(configModule(name)) as { loadConfig: (env: object) => unknown }).loadConfig;
  const built = apps.filter((app) => existsSync(configModule(app.name)));

  it.each(built.map((app) => [app.name] as const))(
    'gives %s an environment its configuration accepts in production',
    (name) => {
      expect(() => loadConfigOf(name)(containerEnv(name))).not.toThrow();
    },
  );

  it.each(built.map((app) => [app.name, app] as const))(
    'refuses to start %s in production with the development secrets of infra/services.json',
    (name, app) => {
      const secrets = Object.entries(app.env).filter(([key]) => isSecret(key));
      expect(secrets.length).toBeGreaterThan(0);
      const env = { ...containerEnv(name), ...Object.fromEntries(secrets) };
      let message = '';
      try {
        loadConfigOf(name)(env);
      } catch (err) {
        message = (err as Error).message;
      }
      for (const [variable] of secrets) {
        const hint = KEY_PAIR.has(variable) ? 'openssl genpkey -algorithm ed25519' : 'openssl rand -hex 32';
        expect(message).toMatch(new RegExp(`${variable}: .*development value.*${hint}`));
      }
    },
  );

  it('trusts X-Forwarded-For in every app only from the edge’s fixed address, outside the dynamic range', () => {
    const address = service('edge').networks?.['default']?.ipv4_address ?? '';
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    for (const app of apps) expect(environmentOf(app.name)['TRUST_PROXY']).toBe(address);
    const [config] = compose.networks?.['default']?.ipam?.config ?? [];
    const octets = (ip: string) => ip.split('.').map(Number);
    const [subnet, subnetBits] = (config?.subnet ?? '').split('/');
    const [range, rangeBits] = (config?.ip_range ?? '').split('/');
    const inside = (ip: string, net: string, bits: number) =>
      octets(ip).reduce((n, o) => n * 256 + o, 0) >>> (32 - bits) ===
      octets(net).reduce((n, o) => n * 256 + o, 0) >>> (32 - bits);
    expect(inside(address, subnet ?? '', Number(subnetBits))).toBe(true);
    expect(inside(address, range ?? '', Number(rangeBits))).toBe(false);
  });

  it('gives every service a healthcheck', () => {
    const missing = Object.entries(services)
      .filter(([, svc]) => !svc.healthcheck?.test)
      .map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it('makes every depends_on wait for an existing service to become healthy', () => {
    const problems: string[] = [];
    for (const [name, svc] of Object.entries(services)) {
      for (const [dependency, spec] of Object.entries(svc.depends_on ?? {})) {
        if (!services[dependency]) problems.push(`${name} depends on unknown ${dependency}`);
        if (spec?.condition !== 'service_healthy')
          problems.push(`${name} → ${dependency} is not service_healthy`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('publishes every port on 127.0.0.1 only', () => {
    const published = Object.entries(services).flatMap(([name, svc]) =>
      (svc.ports ?? []).map((port) => `${name} ${port}`),
    );
    expect(published.length).toBeGreaterThan(0);
    expect(published.filter((entry) => !/ 127\.0\.0\.1:\d+:\d+$/.test(entry))).toEqual([]);
  });

  it('has no service that is neither infrastructure, the edge, the console’s provider nor an app of the table', () => {
    const known = new Set([
      'mongo',
      'kafka',
      'redis',
      'edge',
      consoleTable.devProvider.app,
      ...apps.map((a) => a.name),
    ]);
    expect(Object.keys(services).filter((name) => !known.has(name))).toEqual([]);
  });

  it('starts the edge after every app is healthy and mounts the generated config', () => {
    const edge = service('edge');
    for (const app of apps) expect(edge.depends_on?.[app.name]).toEqual({ condition: 'service_healthy' });
    expect(edge.volumes).toContain('./infra/edge/nginx.compose.conf:/etc/nginx/nginx.conf:ro');
  });
});

describe('docker-compose.yml: the console’s sign-in', () => {
  const provider = () => service(consoleTable.devProvider.app);
  const providerEnv = () => provider().environment ?? {};
  const issuer = `http://127.0.0.1:${consoleTable.devProvider.port}`;

  it('runs the development provider as development (it refuses production) on its published port', () => {
    expect(providerEnv()).toMatchObject({
      APP: consoleTable.devProvider.app,
      NODE_ENV: 'development',
      PORT: consoleTable.devProvider.port,
      DEV_OIDC_ISSUER: issuer,
    });
    expect(provider().ports).toEqual([
      `127.0.0.1:${consoleTable.devProvider.port}:${consoleTable.devProvider.port}`,
    ]);
    expect(String(providerEnv()['DEV_OIDC_CONSOLE_URLS']).split(',')).toContain(
      'http://127.0.0.1:8080/console',
    );
  });

  it.each(apps.filter((app) => 'ADMIN_JWT_SECRET' in app.env).map((app) => [app.name] as const))(
    'lets %s verify the provider’s tokens from the key file the provider writes to their shared volume',
    (name) => {
      const svc = service(name);
      const keysFile = String(providerEnv()['DEV_OIDC_JWKS_FILE']);
      const [volume, folder] = (provider().volumes ?? [''])[0]?.split(':') ?? [];
      expect(keysFile.startsWith(`${folder}/`)).toBe(true);
      expect(svc.environment).toMatchObject({
        ADMIN_JWKS_URL: `file://${keysFile}`,
        ADMIN_JWT_ISSUER: issuer,
        ADMIN_JWT_AUDIENCE: consoleTable.audience,
      });
      expect(svc.volumes).toContain(`${volume}:${folder}:ro`);
      expect(svc.depends_on?.[consoleTable.devProvider.app]).toEqual({ condition: 'service_healthy' });
    },
  );
});

describe('infra/edge/nginx.compose.conf', () => {
  const committed = readFileSync(path.join(root, 'infra', 'edge', 'nginx.compose.conf'), 'utf8');

  it('is what `bash infra/local/edge.sh config --compose` generates from infra/services.json', () => {
    const generated = execFileSync(
      process.execPath,
      [path.join(root, 'infra', 'edge', 'render-nginx.mjs'), '--mode', 'compose'],
      { encoding: 'utf8' },
    );
    expect(committed).toBe(generated);
  });

  it('passes a request on to another replica only when the first never got it, or it is idempotent', () => {
    // nginx resends a sent POST or PATCH only with non_idempotent, which would apply a write twice.
    expect(committed).toMatch(/^\s*proxy_next_upstream error timeout;$/m);
    expect(committed).not.toMatch(/proxy_next_upstream[^;]*non_idempotent/);
  });

  it.each(apps.flatMap((app) => app.routes.map((route) => [route, app.name] as const)))(
    'routes %s to %s',
    (route, name) => {
      const upstream = `app_${name.replace(/-/g, '_')}`;
      const location = route.endsWith('/') ? `location ^~ ${route} {` : `location = ${route} {`;
      const block = committed.slice(committed.indexOf(location));
      expect(committed).toContain(location);
      expect(block.slice(0, block.indexOf('}'))).toContain(`proxy_pass http://${upstream};`);
      expect(committed).toContain(`server ${name}:${apps.find((a) => a.name === name)?.port} `);
    },
  );
});

describe('.dockerignore', () => {
  it('keeps host builds, installs and local data out of the image build context', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.local', '.git']));
  });
});
