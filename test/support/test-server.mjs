// @ts-check
// How the global setup hands the test server to the test files, which jest
// runs in worker processes that inherit its environment.
export const ADMIN_URL_VARIABLE = 'TOKEN_TRACKING_TEST_ADMIN_URL';
export const TEMPLATE_DATABASE = 'token_tracking_test_template';
