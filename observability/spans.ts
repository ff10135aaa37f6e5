/**
 * Client spans for the app's own calls to what lies outside it (Stripe, SendGrid, RabbitMQ, the
 * app's database), each named for what it does (`stripe charge`, `db orders.get`), so a trace reads
 * as the steps an engineer knows. The HTTP spans of the same calls nest inside. With tracing off,
 * the global tracer is a no-op and this costs a function call.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

const tracer = () => trace.getTracer('temporal-commerce');

/**
 * The same object, each of its methods run inside a client span named `<name> <method>` (e.g.
 * `stripe charge`, `db orders getOrder`), for the ports the activities and the API call: the
 * payment gateway, the mailer, the event publisher, the stores. What a method returns or throws is
 * unchanged; a rejected promise marks its span failed.
 */
export function traced<T extends object>(target: T, name: string, attributes: Attributes = {}): T {
  // One wrapper per method, made once: `store.get === store.get` holds as it did.
  const wrappers = new Map<string, unknown>();
  return new Proxy(target, {
    get(object, property) {
      // Getters run on the object itself, so private fields and `this` behave as unwrapped.
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      let wrapper = wrappers.get(property);
      if (!wrapper) {
        const method = value as (...a: unknown[]) => unknown;
        wrapper = (...args: unknown[]) =>
          inSpan(`${name} ${property}`, attributes, () => method.apply(object, args));
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

/** An error as a span may keep it: its kind, and its message without addresses, cut short. */
export function errorForSpan(err: unknown): { name: string; message: string } {
  const name = err instanceof Error ? err.name : 'Error';
  const text = err instanceof Error ? err.message : String(err);
  return { name, message: text.replace(/[^\s@<>"']+@[^\s@<>"']+/g, '<address>').slice(0, 200) };
}

function inSpan(spanName: string, attributes: Attributes, call: () => unknown): unknown {
  return tracer().startActiveSpan(spanName, { kind: SpanKind.CLIENT, attributes }, (span) => {
    const fail = (err: unknown) => {
      const { name, message } = errorForSpan(err);
      span.addEvent('exception', { 'exception.type': name, 'exception.message': message });
      span.setStatus({ code: SpanStatusCode.ERROR, message });
    };
    let result: unknown;
    try {
      result = call();
    } catch (err) {
      fail(err);
      span.end();
      throw err;
    }
    if (result !== null && typeof (result as { then?: unknown }).then === 'function') {
      return (result as PromiseLike<unknown>).then(
        (answer) => {
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
  });
}

/** The active trace context as W3C headers (`traceparent`), for a message that leaves the process. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}
