import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger of a function. Messages are short and static; values go in
 * fields with stable keys (`route`, `status`, `code`, `centre`, `offerId`,
 * ...). Personal data never goes in a log line: no names, dates of birth,
 * ULNs, UPNs, e-mail addresses, codes or tokens.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'education-records',
});
