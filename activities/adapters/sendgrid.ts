/**
 * Email through SendGrid's v3 Mail Send API (`@sendgrid/mail`), with a configurable API base URL.
 * Retry rules: 429 backs off (Retry-After / X-RateLimit-Reset, else 30 s), 5xx and network errors
 * are retried, 400/401/403 (and any other 4xx) are refused for good: resending the same request
 * cannot succeed, so the workflow tells support instead.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import type { EmailMessage, Mailer } from './ports';

export interface SendGridOptions {
  apiKey: string;
  /** e.g. http://127.0.0.1:3025 for a local endpoint; default https://api.sendgrid.com */
  baseUrl?: string;
  timeoutMs?: number;
}

export const EMAIL_REJECTED = 'EmailRejected';

export function createSendGridMailer(options: SendGridOptions): Mailer {
  const client = new Client();
  client.setApiKey(options.apiKey);
  if (options.baseUrl) client.setDefaultRequest('baseUrl', options.baseUrl);
  const mail = new MailService();
  mail.setClient(client);
  mail.setTimeout(options.timeoutMs ?? 20_000);

  return {
    name: 'sendgrid',
    async send(message: EmailMessage): Promise<void> {
      try {
        await mail.send({
          to: message.to,
          from: message.from,
          subject: message.subject,
          text: message.text,
          categories: [message.category],
          customArgs: { messageKey: message.messageKey },
          headers: { 'X-Message-Key': message.messageKey },
        });
      } catch (err) {
        throw classifySendGridError(err);
      }
    },
  };
}

interface ResponseErrorShape {
  code: number;
  message: string;
  response?: { headers?: Record<string, string>; body?: unknown };
}

function isResponseError(err: unknown): err is ResponseErrorShape {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number';
}

/** Seconds to wait after a 429, from the headers SendGrid sends; 30 s when it sends none. */
export function rateLimitDelaySeconds(headers: Record<string, string> = {}, nowMs = Date.now()): number {
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return Math.min(retryAfter, 3600);
  const reset = Number(headers['x-ratelimit-reset']);
  if (Number.isFinite(reset) && reset * 1000 > nowMs) return Math.min(Math.ceil(reset - nowMs / 1000), 3600);
  return 30;
}

export function classifySendGridError(err: unknown): Error {
  if (!isResponseError(err)) return err instanceof Error ? err : new Error(String(err));
  const body =
    typeof err.response?.body === 'string' ? err.response.body : JSON.stringify(err.response?.body ?? '');
  const message = `SendGrid answered ${err.code}: ${body.slice(0, 300) || err.message}`;
  if (err.code === 429) {
    return ApplicationFailure.create({
      type: 'EmailRateLimited',
      message,
      nextRetryDelay: `${rateLimitDelaySeconds(err.response?.headers)}s`,
    });
  }
  if (err.code >= 500 || err.code === 408) {
    return ApplicationFailure.create({ type: 'EmailServiceUnavailable', message });
  }
  return ApplicationFailure.create({ type: EMAIL_REJECTED, message, nonRetryable: true });
}
