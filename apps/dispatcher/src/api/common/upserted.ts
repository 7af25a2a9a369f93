/** The result of a Svix upsert (PUT, getOrCreate): the object, and whether this call created it (201) or not (200). */
export interface Upserted<T> {
  readonly value: T;
  readonly created: boolean;
}
