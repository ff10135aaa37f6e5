/**
 * Local development adapters, used by `npm start` for a peer that is not configured. They send
 * nothing: each records what would have been sent, as one JSON line in a file under the data
 * folder (payments.jsonl, emails.jsonl, events.jsonl) and a line in the log.
 * The development payment gateway is the checkout's own (activities/checkout/payments.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EventPublisher, Mailer } from './ports';

export class DevRecorder {
  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void = (line) => console.log(line),
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  readonly file = (name: string): string => path.join(this.dir, `${name}.jsonl`);

  /** What was recorded under `name`, oldest first. */
  entries(name: string): Record<string, unknown>[] {
    if (!fs.existsSync(this.file(name))) return [];
    return fs
      .readFileSync(this.file(name), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  record(name: string, entry: Record<string, unknown>): void {
    fs.appendFileSync(
      this.file(name),
      `${JSON.stringify({ recordedAt: new Date().toISOString(), ...entry })}\n`,
    );
    this.log(`[dev ${name}] ${JSON.stringify(entry)}`);
  }
}

export function createDevMailer(recorder: DevRecorder): Mailer {
  return {
    name: 'development email (records to emails.jsonl)',
    async send(message) {
      recorder.record('emails', { ...message });
    },
  };
}

export function createDevPublisher(recorder: DevRecorder): EventPublisher {
  return {
    name: 'development events (records to events.jsonl)',
    async publish(event) {
      recorder.record('events', { ...event });
    },
    async close() {},
  };
}
