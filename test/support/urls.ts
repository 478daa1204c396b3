/** Connection-string helpers shared by the test support files. */

/** A LOGIN role that is NOSUPERUSER NOBYPASSRLS and a member of tenantguard_app. */
export const APP_LOGIN_ROLE = 'tenantguard_test_app';
export const APP_LOGIN_PASSWORD = 'tenantguard-test';

/** The same server URL pointed at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The same server and database, logged in as another role. */
export function withUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}
