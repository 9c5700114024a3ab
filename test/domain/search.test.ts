// The search tokens and MATCH expressions (src/domain/search.ts): what FTS5 is asked.
import { describe, expect, it } from 'vitest';
import { matchExpression, searchText } from '../../src/domain/search.ts';

describe('searchText', () => {
  it('folds case and diacritics, spells non-ASCII in ASCII, and prefixes the project key', () => {
    expect(searchText(7, 'Zoë Quinn', 'zoe@example.com')).toBe('p7zzoe p7zq000071uinn p7zzoe p7zexample p7zcom');
    expect(searchText(7, 'Иван', '')).toBe('p7zq000438q000432q000430q00043d');
  });

  it('yields only ASCII letters and digits, whatever the input', () => {
    expect(searchText(3, 'x\u0305p9zsecret 田中 ﬁ', 'a_b@c.d')).toMatch(/^[a-z0-9 ]+$/);
  });
});

describe('matchExpression', () => {
  it('makes each term a phrase with a prefix last word, terms ANDed', () => {
    expect(matchExpression(1, 'jo')).toBe('"p1zjo" *');
    expect(matchExpression(1, 'example.com  John')).toBe('"p1zexample" + "p1zcom" * AND "p1zjohn" *');
  });

  it('matches a whole email address word for word', () => {
    expect(matchExpression(1, 'users.service@example.com')).toBe('"p1zusers" + "p1zservice" + "p1zexample" + "p1zcom"');
    expect(matchExpression(1, 'users.service@exa')).toBe('"p1zusers" + "p1zservice" + "p1zexa" *');
  });

  it('leaves no FTS5 syntax from the input', () => {
    expect(matchExpression(1, '"a" OR b* NEAR(c) -d ^e:f')).toBe('"p1za" * AND "p1zor" * AND "p1zb" * AND "p1znear" + "p1zc" * AND "p1zd" * AND "p1ze" + "p1zf" *');
    expect(matchExpression(1, '*** ( ) "')).toBeNull();
  });
});
