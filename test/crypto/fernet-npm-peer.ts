/**
 * A typed handle on the npm `fernet` package (crypto-js based, no types of its
 * own): the interop peer for tests and the benchmark. Never shipped.
 */
import { createRequire } from 'node:module';

export interface NpmFernetSecret {
  readonly signingKeyHex: string;
}
export interface NpmFernetToken {
  encode(message?: string): string;
  decode(token?: string): string;
}
export interface NpmFernet {
  Secret: new (secret64: string) => NpmFernetSecret;
  Token: new (opts: {
    secret: NpmFernetSecret;
    ttl?: number;
    token?: string;
    time?: string | number | Date;
    iv?: number[];
  }) => NpmFernetToken;
}

export const npmFernet = createRequire(import.meta.url)('fernet') as NpmFernet;
