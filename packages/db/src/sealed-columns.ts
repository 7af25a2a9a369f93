/**
 * Every column that holds sealed values (SecretBox), with the context each value is bound to.
 * The stores seal and open with these contexts; the reseal command and the start-up inventory
 * walk this list, so a new sealed column is one entry here.
 */
export interface SealedColumn {
  /** What the column holds, for reports ("endpoint secrets"). */
  readonly label: string;
  readonly table: string;
  readonly column: string;
  /** The primary key, walked in order by the reseal command. */
  readonly idColumn: string;
  readonly idType: 'bigint' | 'varchar';
  /** The column whose value the context is built from (the owning row). */
  readonly ownerColumn: string;
  /** The AAD context of a value owned by `owner`. */
  context(owner: string): string;
}

/** The AAD context of an endpoint's signing secret: it opens only as a secret of that endpoint. */
export function endpointSecretContext(endpointId: string): string {
  return `endpoint_secrets.secret:${endpointId}`;
}

/** The AAD context of a source's provider config: it opens only as the config of that source. */
export function sourceConfigContext(sourceId: string): string {
  return `sources.config:${sourceId}`;
}

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    label: 'endpoint secrets',
    table: 'endpoint_secrets',
    column: 'secret',
    idColumn: 'id',
    idType: 'bigint',
    ownerColumn: 'endpoint_id',
    context: endpointSecretContext,
  },
  {
    label: 'source configs',
    table: 'sources',
    column: 'config',
    idColumn: 'id',
    idType: 'varchar',
    ownerColumn: 'id',
    context: sourceConfigContext,
  },
];
