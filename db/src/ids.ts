import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

// Random bytes for ids, drawn from the CSPRNG 4 kB at a time: one draw per id (uuid's own) cost more
// than the rest of making the id, several times per order.
const pool = new Uint8Array(16 * 256);
let poolAt = pool.length;
// uuid's own monotonic state, kept here since ids are made with explicit bytes: within one millisecond
// the sequence counts up, so ids made in a row sort in the order they were made.
const state = { msecs: -Infinity, seq: 0 };

/** Row ids are UUIDv7, made in the application (PostgreSQL 15 has no uuidv7()). */
export function newId(): string {
  if (poolAt + 16 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const random = pool.subarray(poolAt, poolAt + 16);
  poolAt += 16;
  const now = Date.now();
  if (now > state.msecs) {
    state.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    state.msecs = now;
  } else {
    state.seq = (state.seq + 1) | 0;
    if (state.seq === 0) state.msecs++;
  }
  return v7({ random, msecs: state.msecs, seq: state.seq });
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuidPattern.test(value);
}
