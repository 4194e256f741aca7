// Reads infra/services.json, the one table through which an app joins the local stack, the edge and
// docker-compose. Used by scripts/stack.mjs and infra/edge/render-nginx.mjs.
//
// Replicas: replica k (0-based) of an app whose port is P listens on P + 100·k (4002, 4102, ...);
// `<NAME>_PORTS=41234,41240` lists every replica's port of one app instead.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in <root>/infra). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const NAME = /^[a-z][a-z0-9-]*$/;
const ENV_KEY = /^[A-Z][A-Z0-9_]*$/;
const ROUTE = /^\/[A-Za-z0-9/_.-]*$/;
const URL_PLACEHOLDER = /\{\{url:([a-z][a-z0-9-]*)\}\}/g;

/** How far apart the ports of one app's replicas are. */
export const REPLICA_PORT_STEP = 100;

/** The environment variable that overrides an app's port: `auth-service` → `AUTH_SERVICE_PORT`. */
export function portVariable(name) {
  return `${name.toUpperCase().replace(/-/g, '_')}_PORT`;
}

/**
 * A replica count from the environment (`EUDR_REPLICAS`, `EDGE_REPLICAS`): a whole number 1..10, or
 * `fallback` when unset or empty.
 */
export function replicaCount(value, fallback, name = 'EUDR_REPLICAS') {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 10) {
    throw new Error(`${name} must be a whole number from 1 to 10, got "${value}"`);
  }
  return Number(value);
}

const isPort = (port) => Number.isInteger(port) && port >= 1 && port <= 65535;

/**
 * Loads and checks the table: names are workspace folder names, ports (of every replica) and routes
 * unique, routes are plain path prefixes (the edge writes them into its config, so nothing else may
 * appear in them). `<NAME>_PORT` in `env` (e.g. `AUTH_SERVICE_PORT=41001`) replaces an app's table
 * port and `<NAME>_PORTS` lists its replicas' ports, so the local stack and edge can run next to
 * another instance; they are applied here so that the stack, the edge and `{{url:<app>}}` all agree.
 * @param {string} [root]
 * @param {{env?: Record<string, string | undefined>, replicas?: number}} [options] pass `env: {}` to
 *   ignore overrides; `replicas` per app (default 1) unless `<NAME>_PORTS` lists them
 * @returns {{name: string, port: number, ports: number[], routes: string[], env: Record<string, string>}[]}
 */
export function loadApps(root = repoRoot, { env: overrides = process.env, replicas = 1 } = {}) {
  const file = path.join(root, 'infra', 'services.json');
  const table = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(table.apps)) throw new Error(`${file}: "apps" must be an array`);
  const problems = [];
  const taken = new Map();
  const routes = new Map();
  const apps = table.apps.map((app, i) => {
    const where = `apps[${i}]${app?.name ? ` (${app.name})` : ''}`;
    if (typeof app?.name !== 'string' || !NAME.test(app.name))
      problems.push(`${where}: name must be kebab-case`);
    const variable = typeof app?.name === 'string' ? portVariable(app.name) : 'PORT';
    const override = overrides[variable];
    const list = overrides[`${variable}S`];
    let ports;
    if (list !== undefined && list !== '') {
      ports = list.split(',').map((p) => (/^\s*\d{1,5}\s*$/.test(p) ? Number(p) : Number.NaN));
      if (!ports.every(isPort)) problems.push(`${where}: ${variable}S=${list} must list TCP ports`);
    } else {
      const overridden = override !== undefined && override !== '';
      const port = overridden ? (/^\d{1,5}$/.test(override) ? Number(override) : Number.NaN) : app?.port;
      ports = Array.from({ length: replicas }, (_, k) => port + REPLICA_PORT_STEP * k);
      if (!isPort(port))
        problems.push(`${where}: ${overridden ? `${variable}=${override}` : 'port'} must be a TCP port`);
      else if (!ports.every(isPort))
        problems.push(`${where}: the port of replica ${replicas} is beyond 65535`);
    }
    for (const port of ports.filter(isPort)) {
      if (taken.has(port)) problems.push(`${where}: port ${port} is also used by ${taken.get(port)}`);
      else taken.set(port, app?.name);
    }
    const appRoutes = Array.isArray(app?.routes) ? app.routes : [];
    if (!Array.isArray(app?.routes)) problems.push(`${where}: routes must be an array of path prefixes`);
    for (const route of appRoutes) {
      if (typeof route !== 'string' || !ROUTE.test(route) || route.includes('//') || route === '/') {
        problems.push(`${where}: route ${JSON.stringify(route)} must be a path prefix like /api/v1/things`);
      } else if (routes.has(route)) {
        problems.push(`${where}: route ${route} is also claimed by ${routes.get(route)}`);
      } else {
        routes.set(route, app.name);
      }
    }
    const env = app?.env ?? {};
    for (const [key, value] of Object.entries(env)) {
      if (!ENV_KEY.test(key)) problems.push(`${where}: env key ${key} must be UPPER_SNAKE_CASE`);
      if (typeof value !== 'string') problems.push(`${where}: env ${key} must be a string`);
    }
    return { name: app?.name, port: ports[0], ports, routes: appRoutes, env };
  });
  const names = new Set(apps.map((a) => a.name));
  for (const app of apps) {
    for (const value of Object.values(app.env)) {
      for (const [, target] of String(value).matchAll(URL_PLACEHOLDER)) {
        if (!names.has(target)) problems.push(`${app.name}: env refers to unknown app ${target}`);
      }
    }
  }
  if (problems.length > 0) throw new Error(`${file} is invalid:\n  ${problems.join('\n  ')}`);
  return apps;
}

/** Whether the app's workspace exists yet (apps join the stack and the local edge once it does). */
export function appExists(app, root = repoRoot) {
  return existsSync(path.join(root, 'apps', app.name, 'package.json'));
}

/**
 * The app's extra environment with `{{url:<app>}}` resolved for where it runs. Locally, replica k of an
 * app reaches replica k of the other app (modulo its count), so the replicas share the load and one
 * replica going down leaves the others their partner.
 * @param {'local' | 'compose'} mode
 * @param {number} [replica] 0-based replica index (local mode)
 */
export function resolveAppEnv(app, apps, mode, replica = 0) {
  const byName = new Map(apps.map((a) => [a.name, a]));
  const url = (name) => {
    const target = byName.get(name);
    if (mode === 'compose') return `http://${target.name}:${target.port}`;
    return `http://127.0.0.1:${target.ports[replica % target.ports.length]}`;
  };
  return Object.fromEntries(
    Object.entries(app.env).map(([key, value]) => [
      key,
      value.replace(URL_PLACEHOLDER, (_, name) => url(name)),
    ]),
  );
}

/** The MongoDB database an app owns: `eudr_` + its name in snake case. */
export function databaseName(app) {
  return `eudr_${app.name.replace(/-/g, '_')}`;
}
