import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { apiEnv } from '../../config';

// Alert signing secrets belong to the control plane and must be usable to sign, so they are kept
// encrypted, not hashed: AES-256-GCM under a key derived from NEXTAUTH_SECRET (changing that secret
// makes existing destinations unusable until they are made again).
function key(): Buffer {
  const root = apiEnv().NEXTAUTH_SECRET;
  return Buffer.from(hkdfSync('sha256', root, 'floe', 'alert signing secrets v1', 32));
}

/** `v1.<iv>.<ciphertext>.<tag>`, base64url. */
export function sealSecret(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(), iv);
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, sealed, cipher.getAuthTag()]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function openSecret(sealed: string): string {
  const [version, iv, data, tag] = sealed.split('.');
  if (version !== 'v1' || !iv || !data || !tag) throw new Error('not a sealed alert secret');
  const decipher = createDecipheriv('aes-256-gcm', key(), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new Error(
      'the signing secret cannot be decrypted (was NEXTAUTH_SECRET changed?): make the destination again',
    );
  }
}
