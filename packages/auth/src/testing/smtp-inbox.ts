import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
}

/** A real SMTP server on a loopback port that keeps what it receives, for tests of mail. */
export async function startSmtpInbox() {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        raw += chunk;
      });
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        done();
      });
    },
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** The link of a mail's body that starts with `prefix` (quoted-printable soft breaks undone). */
    linkIn: (mail: ReceivedMail, prefix: string) => {
      const body = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      return body.match(new RegExp(`${prefix}\\S+`))?.[0] ?? null;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
