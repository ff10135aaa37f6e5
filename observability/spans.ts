/**
 * Client spans for the app's own calls to what lies outside it (Stripe, SendGrid, RabbitMQ, the
 * app's database), each named for what it does (`stripe charge`, `db orders.get`), so a trace reads
 * as the steps an engineer knows. The HTTP spans of the same calls nest inside. With tracing off,
 * the global tracer is a no-op and this costs a function call.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

const tracer = () => trace.getTracer('temporal-commerce');

/** Runs `work` inside a client span; a thrown error marks the span failed and is rethrown. */
export async function inClientSpan<T>(
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await work();
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: err instanceof Error ? err.message : String(err),
      });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * The same object, each of its methods run inside a client span named `<name> <method>` (e.g.
 * `stripe charge`, `db orders getOrder`), for the ports the activities and the API call: the
 * payment gateway, the mailer, the event publisher, the stores. What a method returns or throws is
 * unchanged; a rejected promise marks its span failed.
 */
export function traced<T extends object>(target: T, name: string, attributes: Attributes = {}): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return function (this: unknown, ...args: unknown[]) {
        return tracer().startActiveSpan(
          `${name} ${property}`,
          { kind: SpanKind.CLIENT, attributes },
          (span) => {
            const fail = (err: unknown) => {
              span.recordException(err instanceof Error ? err : String(err));
              span.setStatus({
                code: SpanStatusCode.ERROR,
                message: err instanceof Error ? err.message : String(err),
              });
            };
            let result: unknown;
            try {
              result = (value as (...a: unknown[]) => unknown).apply(object, args);
            } catch (err) {
              fail(err);
              span.end();
              throw err;
            }
            if (result instanceof Promise) {
              return result.then(
                (answer: unknown) => {
                  span.end();
                  return answer;
                },
                (err: unknown) => {
                  fail(err);
                  span.end();
                  throw err;
                },
              );
            }
            span.end();
            return result;
          },
        );
      };
    },
  });
}

/** Names the business ids on the span active here (the HTTP request's, the activity's). */
export function tagActiveSpan(attributes: Attributes): void {
  trace.getSpan(context.active())?.setAttributes(attributes);
}

/** The active trace context as W3C headers (`traceparent`), for a message that leaves the process. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}
