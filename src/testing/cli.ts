/**
 * The kit as a CI step, without a bin: either call {@link runConformanceCli}
 * from your own script with the options in code, or call {@link main} with
 * `--config <module>` whose default export is the options (or a function
 * returning them). Exit code 0 when everything held, 1 on a leak, 2 on bad
 * usage or configuration.
 *
 * @module testing/cli
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTenantGuardError } from '../errors.js';
import { formatReport } from './report.js';
import { runConformance } from './run.js';
import type { ConformanceOptions } from './types.js';

/** Where the CLI writes. */
export interface CliOutput {
  /** Normal output. Default: process.stdout. */
  readonly out?: (text: string) => void;
  /** Errors. Default: process.stderr. */
  readonly err?: (text: string) => void;
}

interface Flags {
  config?: string;
  baseUrl?: string;
  json?: string;
  collectAll: boolean;
  quiet: boolean;
  help: boolean;
}

const USAGE = `usage: conformance [--config <module>] [--base-url <url>] [--json <file>] [--collect-all] [--quiet]
  --config       module whose default export is the ConformanceOptions (or a function returning them)
  --base-url     the app's base URL (overrides the config)
  --json         also write the JSON report to <file> ("-" for stdout)
  --collect-all  run every probe instead of stopping at the first leak
  --quiet        print only the report, not each check`;

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = { collectAll: false, quiet: false, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[i + 1];
      if (v === undefined) throw new Error(`${a} needs a value`);
      i += 1;
      return v;
    };
    if (a === '--config') flags.config = value();
    else if (a === '--base-url') flags.baseUrl = value();
    else if (a === '--json') flags.json = value();
    else if (a === '--collect-all') flags.collectAll = true;
    else if (a === '--quiet') flags.quiet = true;
    else if (a === '--help' || a === '-h') flags.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return flags;
}

/**
 * Runs the kit with options given in code, honouring `--base-url`,
 * `--json`, `--collect-all` and `--quiet` from `argv`; returns the exit code.
 *
 * @example
 * ```ts
 * // scripts/isolation-gate.ts, run in CI with `npx tsx scripts/isolation-gate.ts --json report.json`
 * import { runConformanceCli } from 'tenantguard/testing';
 * process.exitCode = await runConformanceCli({ baseUrl: process.env.APP_URL, tokens, resources }, process.argv.slice(2));
 * ```
 */
export async function runConformanceCli(options: ConformanceOptions, argv: readonly string[] = [], output: CliOutput = {}): Promise<number> {
  const out = output.out ?? ((t: string) => process.stdout.write(`${t}\n`));
  const err = output.err ?? ((t: string) => process.stderr.write(`${t}\n`));
  let flags: Flags;
  try {
    flags = parseFlags(argv);
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    out(USAGE);
    return 0;
  }
  const effective: ConformanceOptions = {
    ...options,
    ...(flags.baseUrl !== undefined ? { baseUrl: flags.baseUrl } : {}),
    ...(flags.collectAll ? { stopOnFirstLeak: false } : {}),
    ...(flags.quiet || options.log !== undefined ? {} : { log: (line: string) => out(line) }),
  };
  try {
    const report = await runConformance(effective);
    out(formatReport(report));
    if (flags.json === '-') out(JSON.stringify(report, null, 2));
    else if (flags.json !== undefined) await writeFile(flags.json, `${JSON.stringify(report, null, 2)}\n`);
    return report.passed ? 0 : 1;
  } catch (e) {
    err(isTenantGuardError(e) ? `${e.code}: ${e.message}` : `conformance run failed: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}

/**
 * The CLI entry: `--config <module>` names a module (resolved from the
 * working directory) whose default export is the options or a function
 * returning them. Returns the exit code.
 *
 * @example
 * ```ts
 * // node --import tsx -e "import('tenantguard/testing').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })" -- --config ./conformance.config.ts
 * ```
 */
export async function main(argv: readonly string[] = process.argv.slice(2), output: CliOutput = {}): Promise<number> {
  const err = output.err ?? ((t: string) => process.stderr.write(`${t}\n`));
  let flags: Flags;
  try {
    flags = parseFlags(argv);
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (flags.help || flags.config === undefined) {
    (flags.help ? (output.out ?? ((t: string) => process.stdout.write(`${t}\n`))) : err)(USAGE);
    return flags.help ? 0 : 2;
  }
  let options: ConformanceOptions;
  try {
    const mod = (await import(pathToFileURL(resolve(flags.config)).href)) as { default?: unknown };
    const d = mod.default;
    options = (typeof d === 'function' ? await (d as () => Promise<ConformanceOptions>)() : d) as ConformanceOptions;
    if (options === undefined || options === null || typeof options !== 'object') throw new Error('the config module has no default export');
  } catch (e) {
    err(`cannot load ${flags.config}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const rest = argv.filter((a, i) => a !== '--config' && argv[i - 1] !== '--config');
  return runConformanceCli(options, rest, output);
}
