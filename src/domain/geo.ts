// Session/log "geo" sub-object: country code from Cloudflare's request.cf.country (or storage),
// country name localised for X-Appwrite-Locale.
export interface Geo {
  isoCode: string;
  country: string;
}

const UNKNOWN: Readonly<Geo> = Object.freeze({ isoCode: '--', country: 'Unknown' });

// Cloudflare: XX = no country data, T1 = Tor. ZZ is CLDR's "Unknown Region".
const NOT_COUNTRIES = new Set(['xx', 't1', 'zz']);

const MAX_LOCALE_LENGTH = 64;
const MAX_CACHED_LOCALES = 32;
const regionNames = new Map<string, Intl.DisplayNames>();

function regionNamesFor(locale: string | null | undefined): Intl.DisplayNames {
  const key = locale && locale.length <= MAX_LOCALE_LENGTH ? locale : 'en';
  let names = regionNames.get(key);
  if (names) return names;
  try {
    // 'en' second: a well-formed but unsupported locale falls back to English, not the runtime default.
    names = new Intl.DisplayNames([key, 'en'], { type: 'region', fallback: 'none' });
  } catch {
    return regionNamesFor('en'); // malformed locale tag (RangeError)
  }
  if (regionNames.size >= MAX_CACHED_LOCALES) regionNames.delete(regionNames.keys().next().value!);
  regionNames.set(key, names);
  return names;
}

// A country's name per locale, as Intl gave it (undefined: none), so that a list of sessions
// asks Intl once per country instead of once per session; bounded like the locales.
const MAX_CACHED_NAMES = 4096;
const countryNames = new Map<string, string | undefined>();

function countryName(isoCode: string, locale: string | null | undefined): string | undefined {
  const key = `${locale && locale.length <= MAX_LOCALE_LENGTH ? locale : 'en'}|${isoCode}`;
  if (countryNames.has(key)) return countryNames.get(key);
  const name = regionNamesFor(locale).of(isoCode.toUpperCase());
  if (countryNames.size >= MAX_CACHED_NAMES) countryNames.delete(countryNames.keys().next().value!);
  countryNames.set(key, name);
  return name;
}

/** isoCode: lower-case ISO-3166 alpha-2, or "--" with country "Unknown" when unknown. */
export function geoFor(countryCode: string | null | undefined, locale: string | null | undefined): Geo {
  const isoCode = typeof countryCode === 'string' ? countryCode.toLowerCase() : '';
  if (!/^[a-z]{2}$/.test(isoCode) || NOT_COUNTRIES.has(isoCode)) return { ...UNKNOWN };
  const country = countryName(isoCode, locale);
  return country ? { isoCode, country } : { ...UNKNOWN };
}
