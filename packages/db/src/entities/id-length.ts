/** Length of every prefixed id column (`<prefix>_<26-char ULID>` with room to spare). */
export const ID_LENGTH = 40;
