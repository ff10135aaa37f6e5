/** Support's escalation links: where an engineer reads one workflow (api/session.ts serves them). */
import type { SessionAnswer } from './contract';

/**
 * Where support sends an engineer about one workflow: the trace viewer's search for its traces
 * (Zipkin's, by the `temporalWorkflowId` tag every workflow span carries) and its page in the
 * Temporal UI. Only for the links configured. The search names its time range, `{from}` to `{to}`,
 * which the page fills from when the order was placed: Zipkin's page runs a search from its link
 * only when the link names when it ends (`lookback=7d` alone opened an empty search form), and a
 * range that starts at the order holds it however old it is.
 */
export function escalationTools(links: {
  traceViewerUrl?: string;
  temporalUiUrl?: string;
  namespace: string;
}): SessionAnswer['tools'] {
  const traces =
    links.traceViewerUrl &&
    `${links.traceViewerUrl}/?annotationQuery=temporalWorkflowId%3D{workflowId}&lookback=range&startTs={from}&endTs={to}&limit=50`;
  const workflow =
    links.temporalUiUrl &&
    `${links.temporalUiUrl}/namespaces/${encodeURIComponent(links.namespace)}/workflows/{workflowId}`;
  if (!traces && !workflow) return undefined;
  return { ...(traces ? { traces } : {}), ...(workflow ? { workflow } : {}) };
}
