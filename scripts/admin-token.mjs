#!/usr/bin/env node
// Prints a development admin JWT for the admin API (/api/v1/admin) to stdout, and nothing else:
//
//   npm run -s admin-token -- --org <org> [--sub <user>] [--ttl <seconds>]
//   curl -H "Authorization: Bearer $(npm run -s admin-token -- --org org_demo)" http://127.0.0.1:8080/api/v1/admin/scopes
//
// Signed with HS256 and ADMIN_JWT_SECRET from the environment, else the development secret that the
// local stack gives auth-service (infra/services.json). ADMIN_JWT_ISSUER / ADMIN_JWT_AUDIENCE, when set,
// become `iss` / `aud`. Development only: production admin tokens come from the identity provider.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `usage: npm run -s admin-token -- --org <org> [--sub <user>] [--ttl <seconds>]

  --org   organisation the admin manages (required; the JWT's "org" claim)
  --sub   user id recorded in the audit log (default: dev-admin)
  --ttl   lifetime in seconds, 1..86400 (default: 3600)

Prints an HS256 admin JWT signed with ADMIN_JWT_SECRET, or the local stack's development secret.
`;

function fail(message) {
  process.stderr.write(`admin-token: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      org: { type: 'string' },
      sub: { type: 'string', default: 'dev-admin' },
      ttl: { type: 'string', default: '3600' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  fail(error.message);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (!values.org || values.org.trim() === '') fail('--org is required');
if (values.sub.trim() === '') fail('--sub must not be empty');
if (!/^\d+$/.test(values.ttl) || Number(values.ttl) < 1 || Number(values.ttl) > 86_400) {
  fail('--ttl must be a whole number of seconds between 1 and 86400');
}

function developmentSecret() {
  const file = path.join(root, 'infra', 'services.json');
  try {
    const table = JSON.parse(readFileSync(file, 'utf8'));
    const secret = table.apps?.find((app) => app.name === 'auth-service')?.env?.ADMIN_JWT_SECRET;
    if (typeof secret === 'string' && secret !== '') return secret;
  } catch (error) {
    fail(`ADMIN_JWT_SECRET is not set and ${path.relative(root, file)} cannot be read (${error.message})`);
  }
  return fail(`ADMIN_JWT_SECRET is not set and ${path.relative(root, file)} has none for auth-service`);
}

const secret = process.env.ADMIN_JWT_SECRET || developmentSecret();
let jwt = new SignJWT({ org: values.org, role: 'admin' })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject(values.sub)
  .setIssuedAt()
  .setExpirationTime(Math.floor(Date.now() / 1000) + Number(values.ttl));
if (process.env.ADMIN_JWT_ISSUER) jwt = jwt.setIssuer(process.env.ADMIN_JWT_ISSUER);
if (process.env.ADMIN_JWT_AUDIENCE) jwt = jwt.setAudience(process.env.ADMIN_JWT_AUDIENCE);

process.stdout.write(`${await jwt.sign(new Uint8Array(Buffer.from(secret, 'utf8')))}\n`);
