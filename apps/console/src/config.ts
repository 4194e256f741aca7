/**
 * What the console needs to know about where it runs, served by the edge at `/console/config.json` so one
 * build serves every deployment: the OpenID provider (issuer), the console's client id there, the
 * admin API's audience (sent as the RFC 8707 `resource`), and the scopes to ask for.
 */
export interface ConsoleConfig {
  issuer: string;
  clientId: string;
  audience: string;
  scope: string;
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`config.json: "${name}" is missing`);
  return value;
}

/** Reads `/console/config.json`. */
export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  const raw = (await response.json()) as Record<string, unknown>;
  return {
    issuer: text(raw['issuer'], 'issuer'),
    clientId: text(raw['clientId'], 'clientId'),
    audience: text(raw['audience'], 'audience'),
    scope: typeof raw['scope'] === 'string' ? raw['scope'] : 'openid profile email',
  };
}
