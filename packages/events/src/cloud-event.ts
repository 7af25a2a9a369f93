/** A CloudEvents 1.0 event in structured JSON mode, as the gateway delivers it (docs/api.md §6). */
export interface CloudEvent<T = unknown> {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly subject?: string;
  readonly datacontenttype: string;
  /** Extension: the source type the event came from (github, stripe, …). */
  readonly provider: string;
  /** Extension: the provider's own id for the event, when it has one. */
  readonly providereventid?: string;
  readonly data?: T;
  /** Binary data that is not JSON or text, base64-encoded. */
  readonly data_base64?: string;
}

export interface CloudEventInput<T> {
  readonly id: string;
  readonly sourceId: string;
  readonly type: string;
  readonly provider: string;
  readonly time?: Date;
  readonly subject?: string;
  readonly providerEventId?: string;
  readonly datacontenttype?: string;
  readonly data?: T;
  readonly dataBase64?: string;
}

/** Builds a CloudEvents 1.0 envelope; attribute names follow the spec (lower-case alphanumerics). */
export function buildCloudEvent<T>(input: CloudEventInput<T>): CloudEvent<T> {
  const event: Record<string, unknown> = {
    specversion: '1.0',
    id: input.id,
    source: `/sources/${input.sourceId}`,
    type: input.type,
    time: (input.time ?? new Date()).toISOString(),
    datacontenttype: input.datacontenttype ?? 'application/json',
    provider: input.provider,
  };
  if (input.subject !== undefined && input.subject !== '') event.subject = input.subject;
  if (input.providerEventId !== undefined && input.providerEventId !== '') event.providereventid = input.providerEventId;
  if (input.dataBase64 !== undefined) event.data_base64 = input.dataBase64;
  else if (input.data !== undefined) event.data = input.data;
  return event as unknown as CloudEvent<T>;
}
