/**
 * A customer's registration driven on the time-skipping server, with the real registration
 * activities on a SQLite store and recording mail and event adapters: sign up as the API does,
 * open the emailed links, read the database's rows.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import Database from 'better-sqlite3';
import { createRegistrationActivities } from '../../activities/registration';
import { hashPassword } from '../../api/registration/passwords';
import type { Registration } from '../../domain/registration';
import {
  openSqliteRegistrationStore,
  tokenHash,
  type RegistrationStore,
} from '../../store/registration-store';
import { registrationWorkflow } from '../../workflows';
import { registrationWorkflowId } from '../../workflows/registration/messages';
import { RecordingAdapters } from './recording-adapters';
import { workflowBundle } from './temporal';

const HOUR = 3_600_000;
/** The password the scenario's sign-ups choose unless told otherwise. */
export const PASSWORD = 'correct horse battery staple';

export type Handle = WorkflowHandle<typeof registrationWorkflow>;

/** One sign-up: what the API stores and starts, and the password behind its hash. */
export interface SignUp {
  handle: Handle;
  registration: Registration;
  passwordHash: string;
}

export class RegistrationScenario {
  readonly file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'registration-wf-')), 'app.db');
  readonly store: RegistrationStore = openSqliteRegistrationStore(this.file);
  readonly recorded = new RecordingAdapters();
  /** Every email sent, in order. */
  readonly emails = this.recorded.emails;
  /** Every event published, in order. */
  readonly events = this.recorded.events;
  private readonly taskQueue = `registration-${randomUUID()}`;
  /** The address the scenario's sign-ups share unless told otherwise. */
  readonly email = `Ada.${randomUUID().slice(0, 8)}@Example.com`;

  constructor(private readonly env: TestWorkflowEnvironment) {}

  async worker(): Promise<Worker> {
    return Worker.create({
      connection: this.env.nativeConnection,
      taskQueue: this.taskQueue,
      workflowBundle: await workflowBundle(),
      activities: createRegistrationActivities({
        registrations: this.store,
        mailer: this.recorded.mailer,
        events: this.recorded.publisher,
        settings: { confirmWithinMs: 24 * HOUR, sideEffectAlertAfterMs: 15 * 60_000 },
        fromEmail: 'hello@example.com',
        supportEmail: 'support@example.com',
        publicUrl: 'http://shop.example.com/',
      }),
    });
  }

  /** Runs `body` with a worker polling. */
  async running<T>(body: () => Promise<T>): Promise<T> {
    const worker = await this.worker();
    return worker.runUntil(body);
  }

  /** What the API does: stores the address and the password's hash, then starts the process. */
  async signUp({ name = 'Ada', password = PASSWORD, email = this.email } = {}): Promise<SignUp> {
    const registration: Registration = {
      registrationId: `reg_${randomUUID().replace(/-/g, '').slice(0, 20)}`,
      email,
      name,
      createdAt: new Date(await this.env.currentTimeMs()).toISOString(),
    };
    const passwordHash = await hashPassword(password);
    const opened = await this.store.openRegistration({ ...registration, passwordHash });
    assert.equal(opened.kind, 'opened');
    const handle = await this.env.client.workflow.start(registrationWorkflow, {
      workflowId: registrationWorkflowId(registration.registrationId),
      taskQueue: this.taskQueue,
      args: [registration],
    });
    return { handle, registration, passwordHash };
  }

  /** The link in the n-th confirmation email (of them all), as the customer opens it. */
  link(n: number): { url: URL; tokenHash: string } {
    const emails = this.emails.filter((e) => e.category === 'registration_confirmation_link');
    const email = emails[n - 1];
    assert.ok(email, `confirmation email ${n} was sent (${emails.length} were)`);
    const url = new URL(/http\S+/.exec(email.text)![0]);
    return { url, tokenHash: tokenHash(url.searchParams.get('token')!) };
  }

  /** The n-th link emailed, opened: link number `linkNumber` of its registration. */
  opened(n: number, linkNumber = 1): { linkNumber: number; tokenHash: string } {
    return { linkNumber, tokenHash: this.link(n).tokenHash };
  }

  categories(): string[] {
    return this.emails.map((e) => e.category);
  }

  /** The registration's row as the database holds it. */
  row(registrationId: string): Record<string, unknown> {
    const db = new Database(this.file, { readonly: true });
    try {
      return db
        .prepare('SELECT * FROM registrations WHERE registration_id = ?')
        .get(registrationId) as Record<string, unknown>;
    } finally {
      db.close();
    }
  }
}
