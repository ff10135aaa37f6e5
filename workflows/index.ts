/** Every workflow the worker runs, each with how it meets a new build (./versioning.ts). */
import { bulkActionWorkflow } from './checkout/bulk-action';
import { checkoutWorkflow } from './checkout/workflow';
import { leaveRequestWorkflow } from './leave/workflow';
import { employeeTerminationWorkflow } from './leave/termination';
import { registrationWorkflow } from './registration/workflow';
import { passwordResetWorkflow } from './password-reset/workflow';
import { declareVersioning } from './versioning';

declareVersioning({
  checkoutWorkflow,
  bulkActionWorkflow,
  leaveRequestWorkflow,
  employeeTerminationWorkflow,
  registrationWorkflow,
  passwordResetWorkflow,
});

export {
  checkoutWorkflow,
  bulkActionWorkflow,
  leaveRequestWorkflow,
  employeeTerminationWorkflow,
  registrationWorkflow,
  passwordResetWorkflow,
};
