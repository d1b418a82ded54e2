/** ByteRanges (word-at-a-time comparisons within one buffer) agrees with the byte-wise compareBytes. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteRanges, compareBytes } from "../../src/binary.js";

describe("ByteRanges", () => {
  it("equal and compare agree with a byte-by-byte comparison, for any lengths and shared prefixes", () => {
    // few distinct byte values, so ranges often share prefixes and tie for several words
    const bytes = fc.uint8Array({ minLength: 0, maxLength: 23 }).map((a) => a.map((x) => (x % 3) * 127));
    fc.assert(
      fc.property(bytes, bytes, bytes, fc.boolean(), (pad, x, y, sameStart) => {
        const buf = new Uint8Array(pad.length + x.length + y.length);
        buf.set(pad, 0);
        buf.set(x, pad.length);
        buf.set(y, pad.length + x.length);
        const [as, ae] = [pad.length, pad.length + x.length];
        const [bs, be] = sameStart ? [as, ae] : [ae, ae + y.length];
        const r = new ByteRanges(buf.subarray(0)); // a view: offsets are relative to it
        const expected = compareBytes(buf, as, ae, buf, bs, be);
        expect(r.compare(as, ae, bs, be)).toBe(expected);
        expect(r.equal(as, ae, bs, be)).toBe(expected === 0);
      }),
      { numRuns: 2000 },
    );
  });

  it("works on a view that starts inside its buffer", () => {
    const whole = new TextEncoder().encode("xxENSG00000000001ENSG00000000002ENSG00000000001");
    const r = new ByteRanges(whole.subarray(2));
    expect(r.equal(0, 15, 30, 45)).toBe(true);
    expect(r.compare(0, 15, 15, 30)).toBe(-1);
    expect(r.compare(15, 30, 30, 45)).toBe(1);
    expect(r.compare(0, 14, 0, 15)).toBe(-1); // a prefix sorts first
  });
});
