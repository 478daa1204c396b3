/**
 * Master-key providers for the token vault: where the keys that wrap each
 * org's data key come from. A provider is just a function returning the live
 * master keys, primary first; tenantguard ships one for an environment
 * variable and one for a file, and an application wires its KMS or HSM by
 * passing its own function.
 *
 * @module crypto/key-provider
 */
import { statSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import { Fernet } from './fernet.js';

/** One master key: a stable id (stored next to each wrapped data key) and a Fernet key. */
export interface MasterKey {
  /** 1-64 characters of `A-Z a-z 0-9 . _ -`; stored in the database, so never derived from the key. */
  readonly id: string;
  /** A Fernet key: 32 bytes as url-safe base64 (see `generateFernetKey()`) or raw bytes. */
  readonly key: string | Uint8Array;
}

/**
 * Returns the live master keys, the primary (used to wrap) first; every key
 * listed can unwrap. Several keys are live during a master-key rotation. For a
 * KMS/HSM, fetch or decrypt the keys here (the vault caches the result for
 * `keyCacheMs`).
 *
 * @example
 * ```ts
 * const provider: MasterKeyProvider = async () => [
 *   { id: '2026-11', key: await kms.decryptToBase64(process.env.MASTER_KEY_2026_11_BLOB) },
 *   { id: '2026-05', key: await kms.decryptToBase64(process.env.MASTER_KEY_2026_05_BLOB) },
 * ];
 * ```
 */
export type MasterKeyProvider = () => readonly MasterKey[] | Promise<readonly MasterKey[]>;

/** A validated master key set. @internal */
export interface LoadedMasterKeys {
  readonly primaryId: string;
  readonly byId: ReadonlyMap<string, Fernet>;
}

const MASTER_KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const masterKeysSchema = z
  .array(
    z.object({
      id: z.string().regex(MASTER_KEY_ID, 'a master key id is 1-64 characters of A-Z a-z 0-9 . _ -'),
      key: z.union([z.string(), z.instanceof(Uint8Array)]),
    }),
  )
  .min(1, 'at least one master key is needed');

function invalid(message: string, details?: Record<string, unknown>): TenantGuardError {
  return new TenantGuardError('VAULT_MASTER_KEYS_INVALID', message, details === undefined ? {} : { details });
}

/**
 * Validates a provider's answer. Errors name the problem and the key id or
 * position, never the key material.
 * @internal
 */
export function loadMasterKeys(keys: unknown): LoadedMasterKeys {
  const parsed = masterKeysSchema.safeParse(keys);
  if (!parsed.success) {
    // zod issues carry paths and messages only; keep them, drop received values.
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw invalid('the master key provider returned an invalid key list', { issues });
  }
  const byId = new Map<string, Fernet>();
  parsed.data.forEach((k, index) => {
    if (byId.has(k.id)) throw invalid('two master keys share one id', { id: k.id });
    try {
      byId.set(k.id, new Fernet(k.key));
    } catch {
      throw invalid('a master key is not a valid Fernet key', { id: k.id, index });
    }
  });
  return { primaryId: (parsed.data[0] as { id: string }).id, byId };
}

/**
 * Parses `id:key` entries separated by commas, whitespace or newlines (`#`
 * starts a comment line). Used for the environment variable and file formats.
 */
function parseKeyList(text: string, source: string): MasterKey[] {
  const entries = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join(' ')
    .split(/[\s,]+/)
    .filter((e) => e !== '');
  return entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw invalid(`${source}: entry ${index + 1} is not "id:key"`, { index });
    return { id: entry.slice(0, colon), key: entry.slice(colon + 1) };
  });
}

/** Options for {@link envMasterKeys}. */
export interface EnvMasterKeysOptions {
  /** The variable to read. Default `TENANTGUARD_MASTER_KEYS`. */
  variable?: string;
  /** The environment to read from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Master keys from an environment variable: `id:key` pairs separated by
 * commas or whitespace, primary first, e.g.
 * `TENANTGUARD_MASTER_KEYS="2026-11:<fernet key>,2026-05:<fernet key>"`.
 * Read on every call, so a restart with a new value picks it up.
 *
 * @example
 * ```ts
 * const vault = createVault({ pool, masterKeys: envMasterKeys() });
 * ```
 */
export function envMasterKeys(options: EnvMasterKeysOptions = {}): MasterKeyProvider {
  const variable = options.variable ?? 'TENANTGUARD_MASTER_KEYS';
  return () => {
    const value = (options.env ?? process.env)[variable];
    if (value === undefined || value.trim() === '') throw invalid(`environment variable ${variable} is not set`);
    return parseKeyList(value, variable);
  };
}

/** Options for {@link fileMasterKeys}. */
export interface FileMasterKeysOptions {
  /**
   * Accept a file that other users can read or anyone can write. Default
   * false: such a file is refused (`VAULT_MASTER_KEYS_INVALID`).
   */
  allowInsecurePermissions?: boolean;
}

/**
 * Master keys from a file (e.g. a mounted secret) in the same `id:key`
 * format as {@link envMasterKeys}, one or more per line, primary first.
 * The file is re-read on every call. On POSIX systems a file readable by
 * "other" or writable by group or other is refused unless
 * `allowInsecurePermissions` is set.
 */
export function fileMasterKeys(path: string, options: FileMasterKeysOptions = {}): MasterKeyProvider {
  if (typeof path !== 'string' || path === '') throw new TenantGuardError('CONFIG_INVALID', 'fileMasterKeys needs a path');
  return () => {
    let text: string;
    try {
      const st = statSync(path);
      if (process.platform !== 'win32' && options.allowInsecurePermissions !== true && (st.mode & 0o026) !== 0) {
        throw invalid('the master key file is readable by other users or writable by group/other (chmod 600 or 640)', {
          path,
          mode: (st.mode & 0o777).toString(8),
        });
      }
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (err instanceof TenantGuardError) throw err;
      throw invalid('the master key file cannot be read', { path, reason: (err as NodeJS.ErrnoException).code });
    }
    return parseKeyList(text, path);
  };
}
