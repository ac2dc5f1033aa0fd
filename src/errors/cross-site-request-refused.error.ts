import { TokenTrackingError } from './token-tracking.error.js';

/**
 * A request to a route the refresh cookie authenticates did not show that
 * it comes from the application's own pages (Fetch Metadata, `Origin`, the
 * custom header): a cross-site request forgery, or a page that forgot the
 * header (403).
 */
export class CrossSiteRequestRefusedError extends TokenTrackingError {
  constructor(message?: string) {
    super('CROSS_SITE_REQUEST_REFUSED', message);
  }
}
