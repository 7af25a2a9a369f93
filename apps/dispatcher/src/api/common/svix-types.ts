import { DeliveryStatus } from '@switchyard/db';

/** Svix's MessageStatusText for each MessageStatus number. */
export const STATUS_TEXT: Readonly<Record<DeliveryStatus, string>> = {
  [DeliveryStatus.Success]: 'success',
  [DeliveryStatus.Pending]: 'pending',
  [DeliveryStatus.Fail]: 'fail',
  [DeliveryStatus.Sending]: 'sending',
  [DeliveryStatus.Canceled]: 'canceled',
};

/** Valid values of Svix's `status` query parameter. */
export const MESSAGE_STATUSES: readonly number[] = [0, 1, 2, 3, 4];

/** What Svix's MessageStatus numbers mean, for the OpenAPI document. */
export const MESSAGE_STATUS_DESCRIPTION = 'Svix `MessageStatus`: 0 success, 1 pending, 2 fail, 3 sending, 4 canceled';

/** Svix `MessageStatus` in the OpenAPI document. */
export const MESSAGE_STATUS_SCHEMA = { type: 'integer', enum: [...MESSAGE_STATUSES], description: MESSAGE_STATUS_DESCRIPTION, example: 0 } as const;

/** Svix `MessageStatusText` in the OpenAPI document. */
export const MESSAGE_STATUS_TEXT_SCHEMA = { enum: Object.values(STATUS_TEXT), type: String, example: 'success' } as const;

/** Svix's StatusCodeClass values, with the response codes each one covers. */
export const STATUS_CODE_CLASSES: Readonly<Record<number, readonly [number, number]>> = {
  0: [0, 99],
  100: [100, 199],
  200: [200, 299],
  300: [300, 399],
  400: [400, 499],
  500: [500, 599],
};

/** ISO-8601 text of a date, or null. */
export function isoOrNull(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}
