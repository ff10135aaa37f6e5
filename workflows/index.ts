/** Every workflow the worker runs. */
export { checkoutWorkflow } from './checkout/workflow';
export { leaveRequestWorkflow } from './leave/workflow';
export { employeeTerminationWorkflow } from './leave/termination';
export { registrationWorkflow } from './registration/workflow';
