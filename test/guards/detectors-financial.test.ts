/**
 * Conformance tests for the financial detectors, modelled on Presidio's
 * recognizer tests (test_credit_card_recognizer, test_iban_recognizer,
 * test_us_ssn_recognizer): valid values are found with exact spans, invalid
 * ones (checksum, range, length, format) are not.
 */
import { describe, expect, it } from 'vitest';
import { createPiiRedactor } from '../../src/guards/pii-redactor.js';
import { cardIssuer, luhnValid } from '../../src/guards/detectors/cards.js';
import { isValidIban, ibanChecksumValid } from '../../src/guards/detectors/iban.js';
import { isValidSsn } from '../../src/guards/detectors/ssn.js';
import type { PiiType } from '../../src/guards/pii-types.js';

const redactor = createPiiRedactor();
function spans(text: string, type: PiiType): string[] {
  return redactor
    .redact(text)
    .findings.filter((f) => f.type === type)
    .map((f) => text.slice(f.span.start, f.span.end));
}

describe('credit cards', () => {
  // Brand test numbers published by the networks / payment processors (as in Presidio's tests).
  const valid = [
    '4012888888881881', // Visa
    '4012-8888-8888-1881',
    '4012 8888 8888 1881',
    '4111111111111111',
    '4917300800000000', // Visa Electron
    '5555555555554444', // Mastercard
    '2223003122003222', // Mastercard 2-series
    '371449635398431', // Amex
    '3782 822463 10005', // Amex, 4-6-5 grouping
    '30569309025904', // Diners
    '6011000400000000', // Discover
    '3528000700000000', // JCB
    '6759649826438453', // Maestro
    '5019717010103742', // Dankort (Maestro range 50)
    '122000000000003', // UATP
    '6200000000000005', // UnionPay
  ];
  it.each(valid)('finds %s with its exact span', (card) => {
    expect(spans(`my card is ${card}, thanks`, 'CREDIT_CARD')).toEqual([card]);
  });

  const invalid = [
    '4012888888881882', // Luhn fails
    '4012-8888-8888-1882',
    '5555555555554445',
    '371449635398430',
    '0000000000000000', // Luhn-valid but degenerate
    '4111 1111-1111 1111', // mixed separators
    '41111111111111111111111', // too long
    '4111111111', // too short
  ];
  it.each(invalid)('rejects %s', (card) => {
    expect(spans(`my card is ${card}, thanks`, 'CREDIT_CARD')).toEqual([]);
  });

  it('finds a card followed by a CVV, without the CVV', () => {
    expect(spans('card 4111 1111 1111 1111 123', 'CREDIT_CARD')).toEqual(['4111 1111 1111 1111']);
  });

  it('accepts a Luhn-valid number outside known ranges only next to a card word', () => {
    // 3500... is Luhn-valid but not in JCB's registered 3528-3589.
    const n = '3502162941615515';
    expect(luhnValid(n)).toBe(true);
    expect(cardIssuer(n)).toBeUndefined();
    expect(spans(`Card number ${n}`, 'CREDIT_CARD')).toEqual([n]);
    expect(spans(`Reading ${n} today`, 'CREDIT_CARD')).toEqual([]);
    expect(createPiiRedactor({ strictCardIssuers: true }).redact(`Card number ${n}`).findings).toEqual([]);
  });

  it('keeps order and invoice numbers even when Luhn-valid', () => {
    expect(spans('order #4111111111111111 shipped', 'CREDIT_CARD')).toEqual([]);
    expect(spans('invoice 4111 1111 1111 1111', 'CREDIT_CARD')).toEqual([]);
  });

  it('luhnValid and cardIssuer agree with known values', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('12a4')).toBe(false);
    expect(cardIssuer('371449635398431')).toBe('amex');
    expect(cardIssuer('5555555555554444')).toBe('mastercard');
    expect(cardIssuer('4012888888881881')).toBe('visa');
    expect(cardIssuer('9999999999999995')).toBeUndefined();
  });
});

describe('IBAN', () => {
  // Example IBANs from the SWIFT IBAN registry (the list Presidio's tests use).
  const valid = [
    'AL47212110090000000235698741', 'AD1200012030200359100100', 'AT611904300234573201', 'AZ21NABZ00000000137010001944',
    'BH67BMAG00001299123456', 'BE68539007547034', 'BA391290079401028494', 'BG80BNBG96611020345678',
    'CR05015202001026284066', 'HR1210010051863000160', 'CY17002001280000001200527600', 'CZ6508000000192000145399',
    'DK5000400440116243', 'DO28BAGR00000001212453611324', 'EE382200221020145685', 'FO6264600001631634',
    'FI2112345600000785', 'FR1420041010050500013M02606', 'GE29NB0000000101904917', 'DE89370400440532013000',
    'GI75NWBK000000007099453', 'GR1601101250000000012300695', 'GL8964710001000206', 'GT82TRAJ01020000001210029690',
    'HU42117730161111101800000000', 'IS140159260076545510730339', 'IE29AIBK93115212345678', 'IL620108000000099999999',
    'IT60X0542811101000000123456', 'JO94CBJO0010000000000131000302', 'KZ86125KZT5004100100', 'XK051212012345678906',
    'KW81CBKU0000000000001234560101', 'LV80BANK0000435195001', 'LB62099900000001001901229114', 'LI21088100002324013AA',
    'LT121000011101001000', 'LU280019400644750000', 'MK07250120000058984', 'MT84MALT011000012345MTLCAST001S',
    'MR1300020001010000123456753', 'MU17BOMM0101101030300200000MUR', 'MD24AG000225100013104168', 'MC5811222000010123456789030',
    'ME25505000012345678951', 'NL91ABNA0417164300', 'NO9386011117947', 'PK36SCBL0000001123456702',
    'PS92PALS000000000400123456702', 'PL61109010140000071219812874', 'PT50000201231234567890154', 'QA58DOHB00001234567890ABCDEFG',
    'RO49AAAA1B31007593840000', 'SM86U0322509800000000270100', 'SA0380000000608010167519', 'RS35260005601001611379',
    'SK3112000000198742637541', 'SI56263300012039086', 'ES9121000418450200051332', 'SE4550000000058398257466',
    'CH9300762011623852957', 'TN5910006035183598478831', 'TR330006100519786457841326', 'AE070331234567890123456',
    'GB29NWBK60161331926819', 'VG96VPVG0000012345678901', 'UA213223130000026007233566001', 'BR1800360305000010009795493C1',
  ];
  it.each(valid)('finds %s', (iban) => {
    expect(isValidIban(iban)).toBe(true);
    expect(spans(`Please pay to ${iban}.`, 'IBAN')).toEqual([iban]);
  });

  it('finds IBANs printed in groups of four and in lower case', () => {
    expect(spans('IBAN: GB29 NWBK 6016 1331 9268 19 thanks', 'IBAN')).toEqual(['GB29 NWBK 6016 1331 9268 19']);
    expect(spans('iban de89 3704 0044 0532 0130 00', 'IBAN')).toEqual(['de89 3704 0044 0532 0130 00']);
  });

  const invalid = [
    'AL47212110090000000235698740', // check fails
    'GB29NWBK60161331926818',
    'GB29NWBK6016133192681', // one short for GB
    'GB29NWBK601613319268190', // one long, runs into the next char
    'XX29NWBK60161331926819', // no such country
    'DE00370400440532013000', // check digits 00
  ];
  it.each(invalid)('rejects %s', (iban) => {
    expect(spans(`Please pay to ${iban}.`, 'IBAN')).toEqual([]);
  });

  it('ibanChecksumValid implements ISO 7064 mod-97-10', () => {
    expect(ibanChecksumValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanChecksumValid('GB82WEST12345698765433')).toBe(false);
    expect(ibanChecksumValid('GB8')).toBe(false);
  });
});

describe('US SSN', () => {
  const valid = ['078-05-1121', '078 05 1123', '536-22-8726', '001-01-0001', '899-99-9999'];
  it.each(valid)('finds %s', (ssn) => {
    expect(isValidSsn(ssn)).toBe(true);
    expect(spans(`SSN ${ssn} on file`, 'US_SSN')).toEqual([ssn]);
  });

  it('finds nine bare digits only next to an SSN word', () => {
    expect(spans('my social security number is 078051126', 'US_SSN')).toEqual(['078051126']);
    expect(spans('tracking 078051126', 'US_SSN')).toEqual([]);
  });

  const invalid = [
    '000-05-1120', // area 000
    '666-05-1120', // area 666
    '901-05-1120', // area 9xx
    '078-00-1120', // group 00
    '078-05-0000', // serial 0000
    '078-05-1120', // Woolworth wallet card
    '219-09-9999', // published example
    '123-45-6789', // advertising example
    '111-11-1111', // placeholder
    '078-05 1120', // mixed delimiters
    '0780511201', // ten digits
  ];
  it.each(invalid)('rejects %s', (ssn) => {
    expect(spans(`SSN ${ssn} on file`, 'US_SSN')).toEqual([]);
  });
});
