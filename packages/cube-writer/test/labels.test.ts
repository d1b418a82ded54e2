import { Dictionary, Int32, Utf8, vectorFromArray } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { compareCodePoints } from "@census-cube/estimators";
import { coded, recode } from "../src/labels.js";

describe("label columns", () => {
  it("accepts strings, codes and Arrow Utf8 / Dictionary vectors (sliced too)", () => {
    const values = ["b", "a", "b", "c", "a", "a"];
    const dict = vectorFromArray(values, new Dictionary(new Utf8(), new Int32()));
    const utf8 = vectorFromArray(values, new Utf8());
    for (const col of [values, dict, utf8, { codes: [0, 1, 0, 2, 1, 1], categories: ["b", "a", "c"] }]) {
      const c = coded("x", col, 6, "test");
      expect([...c.codes].map((k) => c.categories[k])).toEqual(values);
    }
    const sliced = dict.slice(2, 5);
    const c = coded("x", sliced, 3, "test");
    expect([...c.codes].map((k) => c.categories[k])).toEqual(["b", "c", "a"]);
    const chunked = vectorFromArray(["x", "y"], new Utf8()).concat(vectorFromArray(["z"], new Utf8()));
    const d = coded("x", chunked, 3, "test");
    expect([...d.codes].map((k) => d.categories[k])).toEqual(["x", "y", "z"]);
  });

  it("recodes in order of first use or sorted by code point, dropping unused categories", () => {
    const col = { codes: Int32Array.from([2, 0, 2, 3]), categories: ["z", "b", "a", "\u{1F600}"] };
    expect(recode(col, "appearance").values).toEqual(["a", "z", "\u{1F600}"]);
    const s = recode(col, "sorted");
    expect(s.values).toEqual(["a", "z", "\u{1F600}"]);
    expect([...s.codes]).toEqual([0, 1, 0, 2]);
    // U+FF5E sorts before an astral character in Python, unlike UTF-16 order
    expect(compareCodePoints("\uFF5E", "\u{1F600}")).toBeLessThan(0);
  });

  it("rejects codes outside the categories and wrong lengths", () => {
    expect(() => coded("x", { codes: [0, -1], categories: ["a"] }, 2, "t")).toThrow(/code -1/);
    expect(() => coded("x", ["a"], 2, "t")).toThrow(/1 values, expected 2/);
    expect(() => coded("x", undefined, 2, "t")).toThrow(/"x" is missing/);
  });
});
