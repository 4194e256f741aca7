import { readFileSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { DEFAULT_BASE_URL } from '../client';

/** Where the token and base URL come from, and any problem found on the way (exit code 3). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** What a command needs to call the API. */
export interface Settings {
  /** Undefined when neither `EUDR_TOKEN` nor the config file has one. */
  token: string | undefined;
  baseUrl: string;
  /** Where the token came from, for messages (never the token itself). */
  tokenSource: string;
}

/** The config file: `--config`, else `EUDR_CONFIG`, else `$XDG_CONFIG_HOME/eudr/config.json` (`~/.config/…`). */
export function configPath(env: Record<string, string | undefined>, home: string, flag?: string): string {
  if (flag !== undefined) return path.resolve(flag);
  if (env['EUDR_CONFIG']) return path.resolve(env['EUDR_CONFIG']);
  return path.join(env['XDG_CONFIG_HOME'] || path.join(home, '.config'), 'eudr', 'config.json');
}

/**
 * The token (`EUDR_TOKEN`, else the config file's `token`) and base URL (`--base-url`, else
 * `EUDR_BASE_URL`, else the file's `baseUrl`, else the local stack). The config file holds a secret,
 * so one that other users may read is refused, the way ssh refuses such a key: fix it with chmod 600.
 */
export function loadSettings(
  env: Record<string, string | undefined>,
  home: string,
  flags: { config?: string; baseUrl?: string },
): Settings {
  const file = configPath(env, home, flags.config);
  let fromFile: { token?: unknown; baseUrl?: unknown } = {};
  let stat: Stats | undefined;
  try {
    stat = statSync(file);
  } catch {
    if (flags.config !== undefined || env['EUDR_CONFIG'])
      throw new ConfigError(`config file ${file} does not exist`);
  }
  if (stat !== undefined) {
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new ConfigError(
        `config file ${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}): ` +
          `it holds your token. Run: chmod 600 ${file}`,
      );
    }
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as typeof fromFile;
    } catch (error) {
      throw new ConfigError(`config file ${file} is not JSON: ${(error as Error).message}`);
    }
  }
  const envToken = env['EUDR_TOKEN']?.trim();
  const fileToken = typeof fromFile.token === 'string' ? fromFile.token.trim() : undefined;
  const token = envToken || fileToken || undefined;
  const baseUrl =
    flags.baseUrl ??
    env['EUDR_BASE_URL'] ??
    (typeof fromFile.baseUrl === 'string' ? fromFile.baseUrl : DEFAULT_BASE_URL);
  return { token, baseUrl, tokenSource: envToken ? 'EUDR_TOKEN' : fileToken ? file : 'nowhere' };
}
