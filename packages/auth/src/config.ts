import { z } from 'zod';
import { trustedProxiesOf } from './client-address';

/** A URL whose scheme is one of `schemes`, named in the message when it is not. */
export function urlWith(...schemes: string[]) {
  return z
    .string()
    .refine(
      (value) => URL.canParse(value) && schemes.includes(new URL(value).protocol.slice(0, -1)),
      `must be a ${schemes.map((s) => `${s}://`).join(' or ')} URL`,
    );
}

/**
 * The variables @floe/auth reads. The web app checks them at boot as part of its own environment
 * (apps/web/src/env.ts); `authEnv()` reads them through the same rules wherever they are used.
 */
export const authEnvShape = {
  NEXTAUTH_SECRET: z.string().min(16, 'must be at least 16 characters (a random string)'),
  /** The control plane's public URL: links in mails point here. */
  NEXTAUTH_URL: urlWith('http', 'https').optional(),
  FLOE_WEB_PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a port number')
    .optional(),
  FLOE_TRUSTED_PROXIES: z
    .string()
    .optional()
    .superRefine((raw, ctx) => {
      try {
        trustedProxiesOf({ FLOE_TRUSTED_PROXIES: raw });
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  FLOE_OIDC_ISSUER: urlWith('http', 'https').optional(),
  FLOE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  FLOE_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  FLOE_OIDC_NAME: z.string().min(1).optional(),
  FLOE_SMTP_URL: urlWith('smtp', 'smtps').optional(),
  FLOE_MAIL_FROM: z.string().min(1).optional(),
};

export type AuthEnv = z.infer<z.ZodObject<typeof authEnvShape>>;

/** @floe/auth's variables as they are now (tests change some between cases), checked. */
export function authEnv(source: NodeJS.ProcessEnv = process.env): AuthEnv {
  return z.object(authEnvShape).parse(source);
}
