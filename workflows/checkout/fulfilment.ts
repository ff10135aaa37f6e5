/**
 * Steps 5 to 7 of the checkout, after payment: the warehouse ships (or a cancel before it is a full
 * refund), the return window runs, and an order cancelled after shipment waits for its goods: back
 * in time, a refund less any restocking fee; not back, the order completes with no refund.
 */
import { condition, sleep } from '@temporalio/workflow';
import { refundForReturn } from '../../domain/acceptance';
import type { OrderView } from '../../domain/checkout';
import type { OrderContext } from './context';
import { refund } from './refund';
import { formatTime } from '../../domain/words';

export async function fulfil(ctx: OrderContext): Promise<OrderView> {
  const { view, order, inbox, settings } = ctx;
  await condition(() => inbox.shipment !== undefined || view.cancellation !== undefined);
  const shipment = inbox.shipment;
  if (!shipment) return refund(ctx, order.total, 0);

  view.shipment = { trackingNumber: shipment.trackingNumber, shippedAt: ctx.now() };
  ctx.note(
    'shipped',
    `Shipped${shipment.trackingNumber ? ` with tracking number ${shipment.trackingNumber}` : ''}`,
    'warehouse',
  );
  view.returnWindowEndsAt = ctx.after(settings.returnWindowMs);
  ctx.setStatus('Shipped');
  ctx.publish('order.shipped', { trackingNumber: shipment.trackingNumber });

  if (!ctx.withAcceptance) {
    await sleep(settings.returnWindowMs);
    return complete(ctx, { cancellationRequested: view.cancellation !== undefined });
  }
  // The return window. Without a cancellation the order completes at its end.
  ctx.explain(`return window until ${view.returnWindowEndsAt}; completes then unless cancelled`);
  const cancelled = await condition(() => view.cancellation !== undefined, settings.returnWindowMs, {
    summary: 'return window',
  });
  if (!cancelled) return complete(ctx, { cancellationRequested: false });
  return awaitReturnedGoods(ctx);
}

/** Cancelled after shipment: the refund waits for the goods, for one RETURN_WINDOW from the cancel. */
async function awaitReturnedGoods(ctx: OrderContext): Promise<OrderView> {
  const { view, order, inbox, settings } = ctx;
  const goodsReturn = (view.goodsReturn = { expectedBy: ctx.after(settings.returnWindowMs) });
  ctx.note(
    'return_requested',
    `Cancelled after shipment: the refund waits for the goods until ${formatTime(goodsReturn.expectedBy)}`,
  );
  ctx.record();
  ctx.publish('order.return_requested', { expectedBy: goodsReturn.expectedBy });
  ctx.emailCustomer('return_instructions', {
    expectedBy: goodsReturn.expectedBy,
    restockingFeePercent: settings.restockingFeePercent,
  });
  ctx.explain(
    `cancelled after shipment; waiting for the goods until ${goodsReturn.expectedBy}, then no refund`,
  );
  const returned = await condition(() => inbox.goodsReturned !== undefined, settings.returnWindowMs, {
    summary: 'waiting for the returned goods',
  });
  const goods = inbox.goodsReturned;
  if (!returned || !goods) {
    ctx.setStatus('Completed');
    ctx.publish('order.completed', { cancellationRequested: true, goodsReturned: false });
    ctx.emailCustomer('return_not_received', { expectedBy: goodsReturn.expectedBy });
    return ctx.finish();
  }
  view.goodsReturn = { ...goodsReturn, receivedAt: ctx.now(), originalPackaging: goods.originalPackaging };
  ctx.note(
    'goods_returned',
    `Goods returned ${goods.originalPackaging ? 'in their original packaging' : 'without their original packaging'}`,
    goods.reportedBy,
  );
  const { amount, restockingFee } = refundForReturn(
    order.total,
    goods.originalPackaging,
    settings.restockingFeePercent,
  );
  return refund(ctx, amount, restockingFee);
}

function complete(ctx: OrderContext, facts: Record<string, unknown>): Promise<OrderView> {
  ctx.setStatus('Completed');
  ctx.publish('order.completed', facts);
  return ctx.finish();
}
