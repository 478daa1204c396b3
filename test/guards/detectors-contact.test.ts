/**
 * Conformance tests for the contact and network detectors (modelled on
 * Presidio's test_email_recognizer, test_phone_recognizer and
 * test_ip_recognizer), plus URLs with embedded credentials.
 */
import { describe, expect, it } from 'vitest';
import { createPiiRedactor } from '../../src/guards/pii-redactor.js';
import { isValidIpv4, isValidIpv6 } from '../../src/guards/detectors/ip.js';
import type { PiiType } from '../../src/guards/pii-types.js';

const redactor = createPiiRedactor();
function spans(text: string, type: PiiType, r = redactor): string[] {
  return r
    .redact(text)
    .findings.filter((f) => f.type === type)
    .map((f) => text.slice(f.span.start, f.span.end));
}

describe('email', () => {
  it.each([
    ['info@presidio.site', 'my email is info@presidio.site'],
    ['john.doe+tag@sub.example.co.uk', 'write to john.doe+tag@sub.example.co.uk.'],
    ['a_b-c%d@x-y.io', '<a_b-c%d@x-y.io>'],
    ['UPPER@EXAMPLE.COM', 'UPPER@EXAMPLE.COM'],
  ])('finds %s', (email, text) => {
    expect(spans(text, 'EMAIL')).toEqual([email]);
  });

  it('finds several addresses in one text', () => {
    expect(spans('cc: a@b.de, c.d@e.fr; f@g.co', 'EMAIL')).toEqual(['a@b.de', 'c.d@e.fr', 'f@g.co']);
  });

  it.each(['info@presidio', '@presidio.site', 'info@.com', 'info@presidio.c', 'user@-bad.com', 'a@b.123'])('rejects %s', (text) => {
    expect(spans(`contact ${text} now`, 'EMAIL')).toEqual([]);
  });
});

describe('phone', () => {
  it.each([
    ['+1 415 555 0132', 'call +1 415 555 0132 today'],
    ['+44 20 7946 0958', 'London office: +44 20 7946 0958'],
    ['+49 30 901820', 'Tel. +49 30 901820'],
    ['+33 6 12 34 56 78', 'mobile +33 6 12 34 56 78'],
    ['+41 (0)44 668 18 00', 'Zurich +41 (0)44 668 18 00'],
    ['0041 44 668 18 00', 'dial 0041 44 668 18 00'],
    ['(415) 555-0132', 'reach me at (415) 555-0132'],
    ['212-555-0123', 'My number: 212-555-0123.'],
    ['06 12 34 56 78', 'Call me at 06 12 34 56 78'],
    ['030 901820', 'Phone: 030 901820'],
    ['201-555-0123 x42', 'Desk: 201-555-0123 x42'],
    ['415.555.0132', 'fax 415.555.0132'],
  ])('finds %s', (phone, text) => {
    expect(spans(text, 'PHONE')).toEqual([phone]);
  });

  it('finds a US number written with separators without any context word', () => {
    expect(spans('Jane Doe, (212) 555-0123, New York', 'PHONE')).toEqual(['(212) 555-0123']);
  });

  it('finds a number labelled after it ("... fax")', () => {
    expect(spans('416 60 039 office', 'PHONE')).toEqual(['416 60 039']);
  });

  it.each([
    'order 123-456-7890 shipped', // order number
    'invoice no. 0301 5551234', // invoice number
    'born 1984-04-27', // date
    'on 2000-04-16 11:34:35 we met', // timestamp
    'version 10.0.19045.2965', // version
    'the office is at 17031 2202 Main St', // street address
    'pi is 3.14159265358979', // a decimal
    'ref 1234567', // reference
    'ISBN 978-3-16-148410-0', // ISBN
    'total 1234567 units', // a bare count without any phone word
  ])('leaves "%s" alone', (text) => {
    expect(spans(text, 'PHONE')).toEqual([]);
  });

  it('rejects an international number of impossible length', () => {
    expect(spans('call +1 415 555', 'PHONE')).toEqual([]);
    expect(spans('call +44 12', 'PHONE')).toEqual([]);
  });

  it('strictPhoneValidation also rejects numbers in unassigned ranges', () => {
    const strict = createPiiRedactor({ strictPhoneValidation: true });
    // +1 984 182 ...: an exchange starting with 1 is never assigned in NANP.
    expect(spans('call +1-984-182-0190', 'PHONE')).toEqual(['+1-984-182-0190']);
    expect(spans('call +1-984-182-0190', 'PHONE', strict)).toEqual([]);
    expect(spans('call +1 650 253 0000', 'PHONE', strict)).toEqual(['+1 650 253 0000']);
  });

  it('phoneRegions decides which national numbers need no context word', () => {
    const de = createPiiRedactor({ phoneRegions: ['DE'] });
    expect(spans('Berlin 030 901820 Mitte', 'PHONE', de)).toEqual(['030 901820']);
    expect(spans('Berlin 030 901820 Mitte', 'PHONE')).toEqual([]);
  });
});

describe('IP addresses', () => {
  it.each([
    ['192.168.0.1', 'microsoft.com 192.168.0.1'],
    ['10.0.0.1', 'my ip: 10.0.0.1'],
    ['255.255.255.255', 'mask 255.255.255.255.'],
    ['0.0.0.0', 'bind 0.0.0.0:8080'],
    ['684D:1111:222:3333:4444:5555:6:77', 'my ip: 684D:1111:222:3333:4444:5555:6:77'],
    ['2001:db8::1', 'host 2001:db8::1 is up'],
    ['::1', 'loopback ::1.'],
    ['fe80::1ff:fe23:4567:890a', 'link-local fe80::1ff:fe23:4567:890a'],
    ['::ffff:192.0.2.128', 'mapped ::ffff:192.0.2.128'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'full 2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
  ])('finds %s', (ip, text) => {
    expect(spans(text, 'IP_ADDRESS')).toEqual([ip]);
  });

  it.each([
    'my ip: 192.168.0', // three octets
    'addr 1.2.3.256', // octet > 255
    'addr 01.02.03.04', // leading zeros
    'release 1.2.3.4.5', // longer dotted number
    'version 1.2.3.4', // a version
    'v1.2.3.4', // a version
    'at 10:30:00', // a time
    'mac 00:1A:2B:3C:4D:5E', // MAC address: six groups
    'bad 1::2::3', // two ::
    'bad 1:2:3:4:5:6:7:8:9', // nine groups
    'std::vector<int>', // C++
  ])('leaves "%s" alone', (text) => {
    expect(spans(text, 'IP_ADDRESS')).toEqual([]);
  });

  it('validators agree with RFC 4291 forms', () => {
    expect(isValidIpv4('192.0.2.1')).toBe(true);
    expect(isValidIpv4('192.0.2')).toBe(false);
    expect(isValidIpv6('::')).toBe(true);
    expect(isValidIpv6('1:2:3:4:5:6:7::')).toBe(true);
    expect(isValidIpv6('1:2:3:4:5:6::7:8')).toBe(false);
    expect(isValidIpv6('12345::1')).toBe(false);
    expect(isValidIpv6('::1.2.3.4')).toBe(true);
    expect(isValidIpv6('1:2:3:4:5:6:7:1.2.3.4')).toBe(false);
  });
});

describe('URLs with credentials', () => {
  it('replaces user:password and keeps the host', () => {
    const { text } = redactor.redact('db at postgres://admin:s3cr3t@db.internal:5432/app');
    expect(text).toBe('db at postgres://[URL_CREDENTIALS]@db.internal:5432/app');
  });

  it('replaces a token used as the user', () => {
    const token = 'x'.repeat(4) + 'A1b2C3d4E5f6G7h8';
    expect(spans(`git clone https://${token}@git.example.com/r.git`, 'URL_CREDENTIALS')).toEqual([token]);
  });

  it('leaves URLs without credentials, and user-only URLs, alone', () => {
    expect(redactor.redact('see https://example.com/a@b and https://example.com/path?q=1').findings).toEqual([]);
    expect(spans('ssh://git@example.com', 'URL_CREDENTIALS')).toEqual([]);
  });

  it('is not mistaken for an email', () => {
    const r = redactor.redact('https://bob:pw@example.com');
    expect(r.findings.map((f) => f.type)).toEqual(['URL_CREDENTIALS']);
  });
});
