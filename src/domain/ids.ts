// Document ids: 20 lower-case hex characters, a millisecond timestamp followed by
// random bits, strictly increasing within an isolate so ids sort by creation
// (upstream used 13-hex uniqid(); the contract allows longer ids).
let last = 0n;

export function newId(): string {
  const random = BigInt(crypto.getRandomValues(new Uint32Array(1))[0]!);
  let next = (BigInt(Date.now()) << 32n) | random;
  if (next <= last) next = last + 1n;
  last = next;
  return next.toString(16).padStart(20, '0');
}
