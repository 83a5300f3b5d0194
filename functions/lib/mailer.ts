import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { type Deps, sdkOptions } from './deps.js';
import { newId } from './ids.js';

/**
 * Notifications by e-mail. SES in AWS; locally an outbox file the local
 * stack exposes, so tests and people can read what would have been sent.
 * Messages carry identifiers and links, never a student's name or record.
 */
export interface Email {
  to: readonly string[];
  subject: string;
  text: string;
}

export interface Mailer {
  send(email: Email): Promise<void>;
}

/** An e-mail as the local outbox keeps it: one JSON line each. */
export interface OutboxEntry extends Email {
  id: string;
  at: string;
}

export function sesMailer(client: SESv2Client, from: string): Mailer {
  return {
    async send(email) {
      if (email.to.length === 0) return;
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [...email.to] },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: email.text, Charset: 'UTF-8' } },
            },
          },
        }),
      );
    },
  };
}

/**
 * Appends each e-mail to `file` and, if asked, prints one line for it:
 * its id, subject and number of recipients, never an address.
 */
export function outboxMailer(file: string, print: boolean): Mailer {
  return {
    async send(email) {
      if (email.to.length === 0) return;
      const entry: OutboxEntry = {
        id: newId(),
        at: new Date().toISOString(),
        to: [...email.to],
        subject: email.subject,
        text: email.text,
      };
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, `${JSON.stringify(entry)}\n`, 'utf8');
      if (print) {
        console.log(
          `outbox  ${entry.id}  to ${entry.to.length}  ${entry.subject}`,
        );
      }
    },
  };
}

/**
 * The function's mailer, made the first time it sends (only the report
 * and enquiry functions do) and kept on `deps`: the local outbox when the
 * settings name one, SES otherwise.
 */
export function mailerOf(deps: Deps): Mailer {
  const settings = deps.config;
  deps.mailer ??= settings.OUTBOX_FILE
    ? outboxMailer(settings.OUTBOX_FILE, settings.OUTBOX_PRINT === 'true')
    : sesMailer(new SESv2Client(sdkOptions(undefined)), settings.MAIL_FROM);
  return deps.mailer;
}
