import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  to: string[];
  raw: string;
}

/**
 * A real SMTP server on 127.0.0.1 (the `smtp-server` package, in-process) that keeps what it receives.
 * `refuse`, when it returns true, makes the server turn recipients away (451), as a failing relay would.
 */
export async function startSmtp(opts: { refuse?: () => boolean } = {}): Promise<{ port: number; mails: CapturedMail[]; lastCode: (to?: string) => string; close: () => Promise<void> }> {
  const mails: CapturedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      callback(opts.refuse?.() ? Object.assign(new Error('Mailbox unavailable, try again later'), { responseCode: 451 }) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    mails,
    lastCode: (to?: string) => {
      const mail = [...mails].reverse().find((m) => !to || m.to.includes(to));
      const code = /Subject: .*?(\d{6})/.exec(mail?.raw ?? '')?.[1];
      if (!code) throw new Error(`no code mailed${to ? ` to ${to}` : ''}`);
      return code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
