import bcrypt from 'bcryptjs';
import { MIN_PASSWORD_LENGTH } from './policy';

// Cost 12 is ~250 ms per hash on our 2-core machines: slow for an attacker, fine for a sign-in.
const COST = 12;

export async function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return bcrypt.hash(password, COST);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}
