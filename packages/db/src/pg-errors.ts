/**
 * PostgreSQL error codes the code base acts on (SQLSTATE, Appendix A of the PostgreSQL manual).
 * The one place that reads a failed statement's code: every caller goes through pgErrorOf.
 */
export const PgErrorCode = {
  UniqueViolation: '23505',
  ForeignKeyViolation: '23503',
  InvalidTextRepresentation: '22P02',
  StringDataRightTruncation: '22001',
  ProgramLimitExceeded: '54000',
  DuplicateDatabase: '42P04',
} as const;

/** The PostgreSQL error code and constraint of a failed statement, from pg or TypeORM. */
export function pgErrorOf(error: unknown): { code?: string; constraint?: string } {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } } | null | undefined;
  if (typeof e !== 'object' || e === null) return {};
  return e.driverError ?? { code: e.code, constraint: e.constraint };
}

function violates(code: string, error: unknown, constraint: string | undefined): boolean {
  const pg = pgErrorOf(error);
  return pg.code === code && (constraint === undefined || pg.constraint === constraint);
}

/** True when a statement failed on a unique constraint (23505), optionally a named one. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  return violates(PgErrorCode.UniqueViolation, error, constraint);
}

/** True when a statement failed on a foreign key (23503), optionally a named one. */
export function isForeignKeyViolation(error: unknown, constraint?: string): boolean {
  return violates(PgErrorCode.ForeignKeyViolation, error, constraint);
}
