/**
 * Moving an org between placements: copy its rows table by table, verify
 * row counts and checksums, switch the router, keep the source until the
 * operator confirms (then {@link purgeMovedOrg}). With a dry run and
 * progress output.
 *
 * Every read and write goes through the router's own tenant entry (RLS, and
 * the signed context when the router uses it): the move never needs a role
 * that bypasses RLS.
 *
 * @module tenancy
 */
import { z } from 'zod';
import { TenantGuardError } from '../errors.js';
import { parseOrgId, type OrgId } from './org-id.js';
import type { Queryable, TenantDb } from './pg-types.js';
import { savePlacement } from './placement-directory.js';
import { describePlacement, parsePlacement, samePlacement, type Placement } from './placement.js';
import type { TenantRouter } from './tenant-router.js';
import type { WithTenantOptions } from './with-tenant.js';

/** Options for {@link moveOrg}. */
export interface MoveOrgOptions {
  /** The router that serves the org now; switched at the end. */
  readonly router: TenantRouter;
  /** The org to move. */
  readonly orgId: OrgId;
  /** Where to. Must be provisioned already ({@link provisionPlacement}). */
  readonly to: Placement;
  /**
   * The org's tenant tables, parents before children (foreign keys), as
   * unqualified names: each placement resolves them (its schema, or public).
   */
  readonly tables: readonly string[];
  /** Report what would be copied (counts, checksums, target emptiness); change nothing. */
  readonly dryRun?: boolean;
  /** Rows per round trip (default 500). */
  readonly batchSize?: number;
  /** Progress lines. A returned promise is awaited after each copied batch (throttling, or a test's hook). */
  readonly log?: (line: string) => void | Promise<void>;
  /** Passed to withTenant (e.g. `role: 'tenantguard_app'` when the pools log in as an owner). */
  readonly tenantOptions?: Pick<WithTenantOptions, 'role'>;
  /**
   * An owner connection to the default database: the switch is also written
   * to the placement directory (migration 0041), so routers of other
   * instances that read it follow the move.
   */
  readonly persist?: Queryable;
}

/** One table's figures. */
export interface MoveTableReport {
  /** Table name. */
  readonly table: string;
  /** The org's rows at the source. */
  readonly sourceRows: number;
  /** Order-independent checksum of the org's rows at the source (md5 over sorted row hashes). */
  readonly sourceChecksum: string;
  /** After the copy (absent in a dry run). */
  readonly targetRows?: number;
  /** After the copy (absent in a dry run). */
  readonly targetChecksum?: string;
}

/** What {@link moveOrg} did (or, in a dry run, would do). */
export interface MoveOrgResult {
  /** The org. */
  readonly orgId: OrgId;
  /** Source placement label. */
  readonly from: string;
  /** Target placement label. */
  readonly to: string;
  /** True for a dry run. */
  readonly dryRun: boolean;
  /** True when the router now serves the org from the target. */
  readonly switched: boolean;
  /** Per-table figures. */
  readonly tables: readonly MoveTableReport[];
  /** Rows copied in total. */
  readonly rowsCopied: number;
}

const TABLE = /^[a-z_][a-z0-9_]{0,62}$/;
const optionsSchema = z.object({
  tables: z.array(z.string().regex(TABLE, 'table names are unqualified lowercase identifiers')).min(1),
  batchSize: z.number().int().min(1).max(100_000).optional(),
  dryRun: z.boolean().optional(),
});

// Text output that differs between sessions or servers would make equal rows
// hash differently: pin it for every move transaction.
const PIN_OUTPUT =
  "SELECT pg_catalog.set_config('TimeZone', 'UTC', true), pg_catalog.set_config('DateStyle', 'ISO, MDY', true), " +
  "pg_catalog.set_config('IntervalStyle', 'postgres', true), pg_catalog.set_config('extra_float_digits', '1', true), " +
  "pg_catalog.set_config('bytea_output', 'hex', true)";

async function figures(db: TenantDb, table: string): Promise<{ rows: number; checksum: string }> {
  const { rows } = await db.query<{ n: string; sum: string }>(
    `SELECT count(*) AS n, pg_catalog.md5(coalesce(string_agg(h, '' ORDER BY h), '')) AS sum
       FROM (SELECT pg_catalog.md5(pg_catalog.row_to_json(t)::text) AS h FROM "${table}" t) s`,
  );
  return { rows: Number(rows[0]?.n ?? 0), checksum: rows[0]?.sum ?? '' };
}

function moveError(code: 'ORG_MOVE_FAILED' | 'ORG_MOVE_VERIFY_FAILED', message: string, details: Record<string, unknown>, cause?: unknown): TenantGuardError {
  return new TenantGuardError(code, message, { details, cause });
}

/**
 * Moves an org to another placement.
 *
 * 1. Reads the org's rows at the source in one REPEATABLE READ, READ ONLY
 *    transaction (a consistent snapshot), with per-table counts and checksums.
 * 2. Refuses when the target already holds rows of this org.
 * 3. Copies every table in ONE target transaction (all or nothing), in
 *    batches, logging progress; verifies counts and checksums before COMMIT
 *    (rolls back on a mismatch) and again after it.
 * 4. Re-reads the source: if it changed during the move (writes were not
 *    paused), deletes the copy and refuses to switch.
 * 5. Switches the router. The source rows stay until {@link purgeMovedOrg}.
 *
 * Pause the org's writes during a move: the re-check in step 4 detects
 * writes up to that moment, not after it.
 *
 * @example
 * ```ts
 * const plan = await moveOrg({ router, orgId, to: { kind: 'database', target: 'acme' }, tables: ['brands', 'posts'], dryRun: true, log: console.log });
 * const done = await moveOrg({ router, orgId, to: { kind: 'database', target: 'acme' }, tables: ['brands', 'posts'], log: console.log });
 * // after checking the app on the new placement:
 * await purgeMovedOrg({ router, orgId, from: { kind: 'shared' }, tables: ['brands', 'posts'] });
 * ```
 */
export async function moveOrg(options: MoveOrgOptions): Promise<MoveOrgResult> {
  const orgId = parseOrgId(options.orgId);
  const parsed = optionsSchema.safeParse({ tables: options.tables, batchSize: options.batchSize, dryRun: options.dryRun });
  if (!parsed.success) {
    throw new TenantGuardError('INPUT_INVALID', 'invalid moveOrg options', {
      details: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  const { tables } = parsed.data;
  const batchSize = parsed.data.batchSize ?? 500;
  const dryRun = parsed.data.dryRun === true;
  const log = options.log ?? (() => undefined);
  const router = options.router;
  const to = parsePlacement(options.to);
  const from = await router.resolve(orgId);
  const fromLabel = describePlacement(from);
  const toLabel = describePlacement(to);
  if (samePlacement(from, to)) {
    throw moveError('ORG_MOVE_FAILED', `org is already in ${toLabel}`, { orgId, placement: toLabel });
  }
  router.poolFor(to); // unknown target: PLACEMENT_INVALID before any SQL
  if (router.hasDirectory && options.persist === undefined && !dryRun) {
    throw moveError('ORG_MOVE_FAILED', 'the router reads placements from the directory: pass `persist` (an owner connection) so the switch is written there', { orgId });
  }
  const source = router.withPlacement(from);
  const target = router.withPlacement(to);
  const pool = router.defaultPool;
  const role = options.tenantOptions?.role;
  log(`move ${orgId}: ${fromLabel} -> ${toLabel}${dryRun ? ' (dry run)' : ''}`);

  const readTarget = (): Promise<Array<{ rows: number; checksum: string }>> =>
    target(pool, orgId, async (db) => {
      await db.query(PIN_OUTPUT);
      const out: Array<{ rows: number; checksum: string }> = [];
      for (const t of tables) out.push(await figures(db, t));
      return out;
    }, { role, readOnly: true });
  const readSource = (): Promise<Array<{ rows: number; checksum: string }>> =>
    source(pool, orgId, async (db) => {
      await db.query(PIN_OUTPUT);
      const out: Array<{ rows: number; checksum: string }> = [];
      for (const t of tables) out.push(await figures(db, t));
      return out;
    }, { role, readOnly: true, isolationLevel: 'repeatable read' });

  let before: Array<{ rows: number; checksum: string }> = [];
  try {
    const existing = await readTarget();
    const occupied = tables.filter((_, i) => (existing[i]?.rows ?? 0) > 0);
    if (occupied.length > 0) {
      throw moveError('ORG_MOVE_FAILED', `the target already holds rows of this org in ${occupied.join(', ')}`, { orgId, to: toLabel, tables: occupied });
    }
    if (dryRun) {
      before = await readSource();
      const reports = tables.map((t, i) => ({ table: t, sourceRows: before[i]?.rows ?? 0, sourceChecksum: before[i]?.checksum ?? '' }));
      for (const r of reports) log(`would copy ${r.table}: ${r.sourceRows} rows (checksum ${r.sourceChecksum})`);
      log(`dry run: nothing copied, ${fromLabel} still serves the org`);
      return { orgId, from: fromLabel, to: toLabel, dryRun, switched: false, tables: reports, rowsCopied: 0 };
    }
  } catch (err) {
    if (err instanceof TenantGuardError && (err.code === 'ORG_MOVE_FAILED' || err.code === 'INPUT_INVALID')) throw err;
    throw moveError('ORG_MOVE_FAILED', `could not read the org at ${fromLabel} or ${toLabel}: ${err instanceof Error ? err.message : String(err)}`, { orgId }, err);
  }

  // Copy: the source snapshot and the target transaction are open together.
  let copied = 0;
  let reports: MoveTableReport[] = [];
  try {
    reports = await source(pool, orgId, async (src) => {
      await src.query(PIN_OUTPUT);
      const snapshot: Array<{ rows: number; checksum: string }> = [];
      for (const t of tables) snapshot.push(await figures(src, t));
      before = snapshot;
      return target(pool, orgId, async (dst) => {
        await dst.query(PIN_OUTPUT);
        for (const [i, t] of tables.entries()) {
          const total = snapshot[i]?.rows ?? 0;
          await src.query(`DECLARE tg_move_${i} NO SCROLL CURSOR FOR SELECT pg_catalog.row_to_json(t)::text AS j FROM "${t}" t`);
          let done = 0;
          for (;;) {
            const { rows } = await src.query<{ j: string }>(`FETCH ${batchSize} FROM tg_move_${i}`);
            if (rows.length === 0) break;
            await dst.query(
              `INSERT INTO "${t}" OVERRIDING SYSTEM VALUE SELECT * FROM pg_catalog.json_populate_recordset(NULL::"${t}", $1::json)`,
              [`[${rows.map((r) => r.j).join(',')}]`],
            );
            done += rows.length;
            await log(`copy ${t}: ${done}/${total} rows`);
          }
          await src.query(`CLOSE tg_move_${i}`);
          copied += done;
        }
        const out: MoveTableReport[] = [];
        for (const [i, t] of tables.entries()) {
          const after = await figures(dst, t);
          const s = snapshot[i] as { rows: number; checksum: string };
          out.push({ table: t, sourceRows: s.rows, sourceChecksum: s.checksum, targetRows: after.rows, targetChecksum: after.checksum });
        }
        const bad = out.filter((r) => r.targetRows !== r.sourceRows || r.targetChecksum !== r.sourceChecksum);
        if (bad.length > 0) {
          // thrown inside the target transaction: it rolls back, nothing is written
          throw moveError('ORG_MOVE_VERIFY_FAILED', `the copy does not match the source in ${bad.map((b) => b.table).join(', ')}`, { orgId, tables: bad });
        }
        log(`verified ${tables.length} table(s) before commit: counts and checksums match`);
        return out;
      }, { role });
    }, { role, readOnly: true, isolationLevel: 'repeatable read' });
  } catch (err) {
    if (err instanceof TenantGuardError && err.code === 'ORG_MOVE_VERIFY_FAILED') throw err;
    throw moveError('ORG_MOVE_FAILED', `copying to ${toLabel} failed; nothing was written there: ${err instanceof Error ? err.message : String(err)}`, { orgId }, err);
  }

  // After commit: the target as a fresh transaction sees it, and the source did not move on.
  const [afterTarget, afterSource] = await Promise.all([readTarget(), readSource()]);
  const mismatch = reports.filter((r, i) => afterTarget[i]?.rows !== r.sourceRows || afterTarget[i]?.checksum !== r.sourceChecksum);
  const drifted = tables.filter((_, i) => afterSource[i]?.rows !== before[i]?.rows || afterSource[i]?.checksum !== before[i]?.checksum);
  if (mismatch.length > 0 || drifted.length > 0) {
    await deleteOrgRows(target, pool, orgId, tables, role);
    log(`aborted: ${drifted.length > 0 ? `source changed during the move (${drifted.join(', ')})` : 'target does not match after commit'}; copy removed, not switched`);
    throw moveError(
      drifted.length > 0 ? 'ORG_MOVE_FAILED' : 'ORG_MOVE_VERIFY_FAILED',
      drifted.length > 0
        ? `the source changed during the move in ${drifted.join(', ')}: pause the org's writes and retry`
        : `the committed copy does not match the source in ${mismatch.map((m) => m.table).join(', ')}`,
      { orgId, drifted, mismatch: mismatch.map((m) => m.table) },
    );
  }
  if (options.persist !== undefined) await savePlacement(options.persist, orgId, to);
  router.place(orgId, to);
  log(`switched ${orgId} to ${toLabel}; ${fromLabel} keeps its rows until purgeMovedOrg()`);
  return { orgId, from: fromLabel, to: toLabel, dryRun: false, switched: true, tables: reports, rowsCopied: copied };
}

async function deleteOrgRows(
  run: ReturnType<TenantRouter['withPlacement']>,
  pool: TenantRouter['defaultPool'],
  orgId: OrgId,
  tables: readonly string[],
  role: string | undefined,
): Promise<number> {
  return run(pool, orgId, async (db) => {
    let n = 0;
    for (const t of [...tables].reverse()) n += (await db.query(`DELETE FROM "${t}"`)).rowCount ?? 0; // RLS: this org's rows only
    return n;
  }, { role });
}

/** Options for {@link purgeMovedOrg}. */
export interface PurgeMovedOrgOptions {
  /** The router (must no longer serve the org from `from`). */
  readonly router: TenantRouter;
  /** The org that was moved. */
  readonly orgId: OrgId;
  /** The placement it was moved away from. */
  readonly from: Placement;
  /** The same tables as the move. */
  readonly tables: readonly string[];
  /** Passed to withTenant. */
  readonly tenantOptions?: Pick<WithTenantOptions, 'role'>;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/**
 * After a move is confirmed: deletes the org's rows at the old placement
 * (children first; RLS limits every DELETE to this org). Refuses while the
 * router still serves the org from there.
 */
export async function purgeMovedOrg(options: PurgeMovedOrgOptions): Promise<number> {
  const orgId = parseOrgId(options.orgId);
  const from = parsePlacement(options.from);
  const tables = optionsSchema.shape.tables.parse(options.tables);
  if (samePlacement(await options.router.resolve(orgId), from)) {
    throw moveError('ORG_MOVE_FAILED', `the router still serves this org from ${describePlacement(from)}; refusing to purge it`, { orgId });
  }
  const n = await deleteOrgRows(options.router.withPlacement(from), options.router.defaultPool, orgId, tables, options.tenantOptions?.role);
  options.log?.(`purged ${n} rows of ${orgId} from ${describePlacement(from)}`);
  return n;
}
