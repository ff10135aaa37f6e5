/**
 * End to end: the stack exactly as `npm start` runs it (dev server, worker, API as processes),
 * configured for real peers: stripe-mock, RabbitMQ, and the FAKE SendGrid endpoint. An order
 * placed over HTTP reaches Paid, its event is read back from RabbitMQ, its email reached SendGrid;
 * and after a restart on the same data folder the order is still there.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { signToken } from '../../api/auth';
import { startFakeSendGrid, type FakeServer } from '../helpers/http-fakes';
import { freePort, startStripeMock, type RunningStripeMock } from '../helpers/stripe-mock';

const SECRET = 'e2e-secret-that-is-long-enough-for-hs256!!!';
const root = path.resolve(__dirname, '..', '..');

async function portPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const [a, b] = await Promise.all([port, port + 1000].map((p) => isFree(p)));
    if (a && b) return port;
  }
  throw new Error('no free port pair for the dev server and its UI');
}

async function isFree(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('the stack as npm start runs it', () => {
  const amqpUrl = process.env.TEST_AMQP_URL;
  let stripeMock: RunningStripeMock;
  let sendgrid: FakeServer;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;
  let stack: ChildProcess | undefined;
  let apiPort: number;
  let env: NodeJS.ProcessEnv;
  let output = '';

  before(async () => {
    assert.ok(amqpUrl, 'TEST_AMQP_URL is not set: run the tests with `npm test`, which starts a broker');
    [stripeMock, sendgrid] = await Promise.all([startStripeMock('succeed'), startFakeSendGrid()]);
    connection = await amqp.connect(amqpUrl);
    channel = await connection.createChannel();
    await channel.assertExchange('commerce', 'topic', { durable: true });
    queue = (await channel.assertQueue('', { exclusive: true })).queue;
    await channel.bindQueue(queue, 'commerce', 'order.#');
    apiPort = await freePort();
    const inherited = { ...process.env };
    delete inherited.TEMPORAL_ADDRESS;
    env = {
      ...inherited,
      PORT: String(apiPort),
      TEMPORAL_PORT: String(await portPair()),
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-stack-')),
      AUTH_JWT_SECRET: SECRET,
      STRIPE_SECRET_KEY: 'sk_test_123',
      STRIPE_API_BASE: stripeMock.url,
      SENDGRID_API_KEY: 'SG.e2e',
      SENDGRID_BASE_URL: sendgrid.url,
      AMQP_URL: amqpUrl,
    };
  });

  after(async () => {
    await stopStack();
    await connection?.close();
    await Promise.all([stripeMock?.stop(), sendgrid?.close()]);
  });

  async function startStack(): Promise<void> {
    stack = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stack.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    stack.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    for (let i = 0; i < 600; i++) {
      assert.equal(stack.exitCode, null, `the stack exited:\n${output.slice(-3000)}`);
      const ready = await fetch(`http://127.0.0.1:${apiPort}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail(`the stack was not ready within 120 s:\n${output.slice(-3000)}`);
  }

  async function stopStack(): Promise<void> {
    const child = stack;
    stack = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async function api(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const token = await signToken(SECRET, { role: method === 'GET' ? 'support' : 'storefront', sub: 'e2e' });
    const response = await fetch(`http://127.0.0.1:${apiPort}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('an order placed over HTTP is paid, its event reaches RabbitMQ and its email reaches SendGrid', async () => {
    await startStack();
    assert.match(output, /payments: Stripe at http:\/\/127\.0\.0\.1/);
    assert.match(output, /events: RabbitMQ at amqp:/);
    assert.match(output, /email: SendGrid at http:\/\/127\.0\.0\.1/);

    const placed = await api('POST', '/orders', {
      orderId: 'e2e-1',
      customer: { id: 'cust-e2e', email: 'grace@example.com' },
      items: [{ sku: 'lamp', quantity: 1, unitPrice: 4999 }],
      currency: 'usd',
      paymentMethod: 'pm_card_visa',
    });
    assert.equal(placed.status, 202);

    let view: Record<string, unknown> = {};
    for (let i = 0; i < 150 && view.status !== 'Paid'; i++) {
      view = (await api('GET', '/orders/e2e-1')).body;
      if (view.status !== 'Paid') await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(view.status, 'Paid', JSON.stringify(view));
    assert.match(String((view.payment as { paymentIntentId: string }).paymentIntentId), /^pi_/);

    let paidEvent: amqp.GetMessage | undefined;
    for (let i = 0; i < 100 && !paidEvent; i++) {
      const message = await channel.get(queue, { noAck: true });
      if (message && message.fields.routingKey === 'order.paid') paidEvent = message;
      else if (!message) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(paidEvent, 'order.paid was read from RabbitMQ');
    assert.equal(paidEvent.properties.messageId, 'e2e-1:order.paid');
    assert.equal((JSON.parse(paidEvent.content.toString()) as { data: { total: number } }).data.total, 4999);

    let email: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !email; i++) {
      const request = sendgrid.requests.find((r) => r.body.includes('grace@example.com'));
      if (request) email = JSON.parse(request.body) as Record<string, unknown>;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(email, 'the confirmation reached the SendGrid endpoint');
    assert.equal(email.subject, 'Your order e2e-1 is confirmed');
  });

  it('keeps the order across a restart on the same data folder', async () => {
    await stopStack();
    await startStack();
    const again = await api('GET', '/orders/e2e-1');
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'Paid');
  });
});
