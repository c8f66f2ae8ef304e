import { createTransport, type Transporter } from 'nodemailer';
import { type AuthEnv, authEnv } from './config';

export interface AccountMail {
  to: string;
  subject: string;
  text: string;
}

const transports = new Map<string, Transporter>();

/**
 * The one way the control plane mails a person (address verification, password reset). The mail
 * always goes to the server log, so a self-hosted install without mail still works; with
 * FLOE_SMTP_URL (smtp://user:password@host:587, or smtps://) it is also sent, from FLOE_MAIL_FROM.
 * A mail server that fails or stalls is logged, never the caller's error: the link is in the log.
 */
export async function sendAccountMail(
  mail: AccountMail,
  env: Pick<AuthEnv, 'FLOE_SMTP_URL' | 'FLOE_MAIL_FROM'> = authEnv(),
) {
  console.info(`[floe] mail to ${mail.to}: ${mail.subject}\n${mail.text}`);
  const url = env.FLOE_SMTP_URL;
  if (!url) return { sent: false };
  try {
    await transport(url).sendMail({
      from: env.FLOE_MAIL_FROM ?? 'Floe <floe@localhost>',
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
    });
    return { sent: true };
  } catch (error) {
    console.error(`[floe] could not mail ${mail.to} through ${new URL(url).host}: ${String(error)}`);
    return { sent: false };
  }
}

function transport(url: string): Transporter {
  let found = transports.get(url);
  if (!found) {
    // Bounded at every step, so a stalled mail server holds a request for seconds, not minutes.
    found = createTransport({
      url,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 10_000,
    });
    transports.set(url, found);
  }
  return found;
}
