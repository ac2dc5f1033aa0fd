/**
 * What the Prisma store needs in the database, each with the migration that
 * creates it, so that a database missing some can be told which migration
 * folders to apply.
 */
export interface SchemaRequirement {
  /** `table.column`, or `function name()`. */
  readonly object: string;
  readonly migration: string;
}

const SESSIONS = '20261129000000_token_sessions';
const FUNCTIONS = '20261129000100_session_functions';
const FIRST = '20261128000000_token_tracking';
const REFRESH = '20261128010000_sessions_and_refresh';
const REVOCATION_LOG = '20261206000000_revocation_log';
const HOT_LAST_USE = '20261207000000_hot_last_use';

export const REQUIRED_COLUMNS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  token_sessions: {
    ...Object.fromEntries(
      ['session_id', 'user_id', 'seq', 'created_at', 'last_active_at', 'expires_at', 'revoked_at', 'revoked_reason', 'client_ip', 'user_agent']
        .map((column) => [column, SESSIONS]),
    ),
    last_active_bucket: HOT_LAST_USE,
  },
  issued_tokens: {
    jti: FIRST, user_id: FIRST, issued_at: FIRST, expires_at: FIRST, client_ip: FIRST, user_agent: FIRST,
    session_id: REFRESH, token_use: REFRESH, rotated_at: REFRESH,
    replaced_by: SESSIONS, access_jti: SESSIONS, key_id: SESSIONS,
  },
  revoked_tokens: { id: SESSIONS, kind: SESSIONS, user_id: FIRST, expires_at: FIRST, revoked_at: FIRST, reason: FIRST, writer_xid: REVOCATION_LOG },
  user_token_watermarks: { user_id: FIRST, revoked_before: FIRST, writer_xid: REVOCATION_LOG },
};

export const REQUIRED_FUNCTIONS: Readonly<Record<string, string>> = {
  token_tracking_announce: FUNCTIONS,
  token_tracking_revoke_sessions: FUNCTIONS,
  token_tracking_start_sessions: FUNCTIONS,
  token_tracking_revoke_all: FUNCTIONS,
  token_tracking_stamp_writer: REVOCATION_LOG,
  token_tracking_activity_bucket: HOT_LAST_USE,
};

/** The requirements a database lacks, given the columns per table and the functions it has. */
export function missingRequirements(
  columns: ReadonlyArray<{ table: string; column: string }>,
  functions: readonly string[],
): SchemaRequirement[] {
  const present = new Set(columns.map(({ table, column }) => `${table}.${column}`));
  const missing: SchemaRequirement[] = [];
  for (const [table, required] of Object.entries(REQUIRED_COLUMNS)) {
    for (const [column, migration] of Object.entries(required)) {
      if (!present.has(`${table}.${column}`)) missing.push({ object: `${table}.${column}`, migration });
    }
  }
  for (const [name, migration] of Object.entries(REQUIRED_FUNCTIONS)) {
    if (!functions.includes(name)) missing.push({ object: `function ${name}()`, migration });
  }
  return missing;
}
