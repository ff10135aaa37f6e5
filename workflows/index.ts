/** Every workflow the worker runs, each with how it meets a new build (./versioning.ts). */
import { checkoutWorkflow } from './checkout/workflow';
import { leaveRequestWorkflow } from './leave/workflow';
import { employeeTerminationWorkflow } from './leave/termination';
import { registrationWorkflow } from './registration/workflow';
import { declareVersioning } from './versioning';

declareVersioning({
  checkoutWorkflow,
  leaveRequestWorkflow,
  employeeTerminationWorkflow,
  registrationWorkflow,
});

export { checkoutWorkflow, leaveRequestWorkflow, employeeTerminationWorkflow, registrationWorkflow };
