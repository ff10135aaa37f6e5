/** Every workflow the worker runs. */
export { checkoutWorkflow } from './checkout/workflow';
export { employeeTerminationWorkflow, leaveRequestWorkflow } from './leave/workflow';
