import {
  type RoutingInput,
  type RoutingStep,
  routeReport,
} from '../domain/report-routing.js';
import { type Deps, deps as processDeps } from '../lib/deps.js';
import { logger } from '../lib/logger.js';
import { publishCounts } from '../lib/metrics.js';

/**
 * The routing workflow's task (lib/report-routing.ts): Step Functions
 * invokes it with `{urn, reportId}` and waits until the time it answers.
 * Not an API route: it has no route group and no HTTP layer.
 */
export function createRoutingHandler(getDeps: () => Deps = processDeps) {
  return async (event: RoutingInput): Promise<RoutingStep> => {
    logger.appendKeys({ reportId: event.reportId, centre: event.urn });
    try {
      const step = await routeReport(getDeps(), {
        urn: String(event.urn),
        reportId: String(event.reportId),
      });
      logger.info('report routed', { done: step.done });
      return step;
    } catch (error) {
      logger.error('report routing failed', error as Error);
      throw error;
    } finally {
      publishCounts();
      logger.removeKeys(['reportId', 'centre']);
    }
  };
}

export const handler = createRoutingHandler();
