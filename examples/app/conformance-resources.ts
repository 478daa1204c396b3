/**
 * The example's nine tenant-scoped tables as the conformance kit sees them:
 * how to create, read, list, update and delete each through the HTTP API.
 * `{brands}` is the id of the brand seeded in the org making the request,
 * `{id}` the resource's own id, `{marker}` a string unique to the org.
 */
import type { ConformanceResource } from '../../src/testing/index.js';

const child = (
  name: string,
  body: ConformanceResource['create']['body'],
  update: ConformanceResource['create']['body'] | undefined,
  canDelete: boolean,
): ConformanceResource => ({
  name,
  create: { path: `/brands/{brands}/${name}`, body },
  read: `/brands/{brands}/${name}/{id}`,
  list: `/brands/{brands}/${name}`,
  ...(update !== undefined ? { update: { method: 'PATCH' as const, path: `/brands/{brands}/${name}/{id}`, body: update } } : {}),
  ...(canDelete ? { delete: `/brands/{brands}/${name}/{id}` } : {}),
});

/**
 * Org-wide reads org B makes after its attempts: none may show org A's data.
 * (B's own audit log records B's refused attempts by route pattern, not by A's ids.)
 */
export const EXAMPLE_SCANS: readonly string[] = [
  '/audit/log',
  '/audit/log/summary',
  '/audit/log/export?format=json',
  '/security/isolation-proof',
  '/security/posture',
];

/** Parents first: later templates use the ids of earlier resources. */
export const EXAMPLE_RESOURCES: readonly ConformanceResource[] = [
  {
    name: 'brands',
    create: { path: '/brands', body: { name: 'Brand {marker}', website: 'https://{marker}.example.com' } },
    read: '/brands/{id}',
    list: '/brands',
    update: { method: 'PATCH', path: '/brands/{id}', body: { name: 'renamed by org B' } },
    delete: '/brands/{id}',
    // The assistant reads the brand: asking it about org A's brand must be the 404 of a missing brand.
    references: [{ target: 'brands', method: 'POST', path: '/brands/{target}/assistant', body: { message: 'Draft a post about our launch.' } }],
  },
  child('channels', { platform: 'x', handle: '@{marker}', accessToken: 'ya29.{marker}' }, { handle: '@changed-by-b', accessToken: 'stolen' }, true),
  child('content_queue', { channelId: '{channels}', body: 'Launch post {marker}' }, { body: 'edited by org B' }, true),
  child('published_posts', { contentId: '{content_queue}', url: 'https://social.example/{marker}' }, { url: 'https://evil.example/b' }, true),
  child('email_subscribers', { email: '{marker}@example.com', name: 'Subscriber {marker}' }, { name: 'changed by org B' }, true),
  child('email_campaigns', { subject: 'Campaign {marker}', body: 'Hello {marker}' }, { subject: 'changed by org B' }, true),
  child('email_sends', { campaignId: '{email_campaigns}', subscriberId: '{email_subscribers}' }, undefined, false),
  child('mentions', { channelId: '{channels}', author: '@fan', body: 'Mention {marker}' }, { reply: 'reply by org B' }, false),
  child('presence_incidents', { kind: 'impersonation {marker}', severity: 'high' }, { status: 'resolved' }, false),
];
