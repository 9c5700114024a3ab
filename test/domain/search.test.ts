// The search tokens and MATCH expressions (src/domain/search.ts): what FTS5 is asked.
import { describe, expect, it } from 'vitest';
import { matchExpression, searchText } from '../../src/domain/search.ts';

describe('searchText', () => {
  it('folds case and diacritics, spells non-ASCII in ASCII, and prefixes the project key', () => {
    expect(searchText(7, 'Zoë Quinn', 'zoe@example.com')).toBe('p000007zzoe p000007zq000071uinn p000007zzoe p000007zexample p000007zcom');
    expect(searchText(7, 'Иван', '')).toBe('p000007zq000438q000432q000430q00043d');
  });

  it('pads the project key to 6 digits, so the namespace is 8 characters (the prefix index counts on it), and widens it past 999,999', () => {
    expect(searchText(123456, 'Jo', '')).toBe('p123456zjo');
    expect(searchText(1234567, 'Jo', '')).toBe('p1234567zjo');
  });

  it('yields only ASCII letters and digits, whatever the input', () => {
    expect(searchText(3, 'x\u0305p9zsecret 田中 ﬁ', 'a_b@c.d')).toMatch(/^[a-z0-9 ]+$/);
  });
});

describe('matchExpression', () => {
  it('makes each term a phrase with a prefix last word, terms ANDed', () => {
    expect(matchExpression(1, 'jo')).toBe('"p000001zjo" *');
    expect(matchExpression(1, 'example.com  John')).toBe('"p000001zexample" + "p000001zcom" * AND "p000001zjohn" *');
  });

  it('matches a whole email address word for word', () => {
    expect(matchExpression(1, 'users.service@example.com')).toBe('"p000001zusers" + "p000001zservice" + "p000001zexample" + "p000001zcom"');
    expect(matchExpression(1, 'users.service@exa')).toBe('"p000001zusers" + "p000001zservice" + "p000001zexa" *');
  });

  it('leaves no FTS5 syntax from the input', () => {
    expect(matchExpression(1, '"a" OR b* NEAR(c) -d ^e:f')).toBe(
      '"p000001za" * AND "p000001zor" * AND "p000001zb" * AND "p000001znear" + "p000001zc" * AND "p000001zd" * AND "p000001ze" + "p000001zf" *',
    );
    expect(matchExpression(1, '*** ( ) "')).toBeNull();
  });
});
