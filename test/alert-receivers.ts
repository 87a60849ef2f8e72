// Receivers of the alert notifications on real components, for the tests: an SMTP server
// (smtp-server) that keeps each message it gets, a reader of a message's headers and body, and a
// local HTTP server standing for a webhook receiver.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  secure: boolean;
  raw: string;
}

const closed = (server: { close(cb: () => void): unknown }) => () => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * An SMTP server on a free port. Without a key it offers STARTTLS with its own self-signed
 * certificate; `startTls: false` offers none (a client without the test's CA then sends in clear).
 */
export async function smtpServer(options: { startTls?: boolean } = {}): Promise<{ port: number; received: ReceivedMail[]; close: () => Promise<void> }> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    ...(options.startTls === false ? { disabledCommands: ['STARTTLS'] } : {}),
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const envelope = session.envelope;
        received.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : '',
          to: envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, received, close: closed(server) };
}

/** A message's unfolded headers and its body, quoted-printable decoded (RFC 2045 6.7). */
export function readMail(raw: string): { headers: Map<string, string>; body: string } {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const headers = new Map(
    head
      .replace(/\r\n[ \t]+/g, ' ')
      .split('\r\n')
      .map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()] as [string, string]),
  );
  let body = rest.join('\r\n\r\n');
  if (headers.get('content-transfer-encoding') === 'quoted-printable') {
    body = Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
  }
  return { headers, body };
}

/** An HTTP receiver answering each request with `answer(attempt)`; the bodies of the 200s are kept. */
export async function httpReceiver(answer: (n: number) => number): Promise<{ url: string; bodies: unknown[]; attempts: () => number; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  let attempts = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = answer(++attempts);
      if (status === 200) bodies.push({ contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(status).end(status === 200 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, attempts: () => attempts, close: closed(server) };
}
