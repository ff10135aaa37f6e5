/** Every workflow the worker runs. */
export { checkoutWorkflow } from './checkout';
export { employeeTerminationWorkflow, leaveRequestWorkflow } from './leave';
