import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id; the package exports it as an ambient const enum, which isolated modules cannot read.
const ARGON2ID = 2;

/** argon2id with the parameters OWASP recommends as a minimum: 19 MiB, 2 iterations, 1 lane. */
export const passwordParams = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** The demo's password, published in the README: no account may choose it, and production refuses to start while one has it. */
export const publishedDemoPassword = 'switchboard-demo';

export function hashPassword(password: string): Promise<string> {
  return hash(password, passwordParams);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** True when a stored hash was made with other parameters than today's, so login rehashes it. */
export function needsRehash(passwordHash: string): boolean {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash);
  if (!match) return true;
  return (
    Number(match[1]) !== passwordParams.memoryCost ||
    Number(match[2]) !== passwordParams.timeCost ||
    Number(match[3]) !== passwordParams.parallelism
  );
}

// A real hash of a random password, verified when the email is unknown so that both answers take as long.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(`unknown-user-${Math.random()}`);
  return dummyHash;
}

/** A readable one-time password for invitations: 20 characters from a 32-letter alphabet (100 bits). */
export function generateTemporaryPassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  let out = '';
  for (const b of bytes) out += alphabet[b % 32] ?? 'x';
  return out.replace(/(.{5})(?=.)/g, '$1-');
}
