import { describe, expect, it } from "vitest";
import { makeTimestampedName, parseTimestampedName } from "../../src/timestamped-name.js";

describe("timestamped names", () => {
  it("parses current names with version and extension", () => {
    const t = parseTimestampedName("/a/__fragments/__1707330782195_1707330782196_6208729b179a41e89d2bf9230a55230e_20.wrt");
    expect(t).toEqual({
      name: "__1707330782195_1707330782196_6208729b179a41e89d2bf9230a55230e_20",
      t1: 1707330782195,
      t2: 1707330782196,
      uuid: "6208729b179a41e89d2bf9230a55230e",
      version: 20,
      extension: "wrt",
    });
    expect(parseTimestampedName("__1_2_29905154d5444bec9e5d048083a428de")?.version).toBeUndefined();
  });

  it("parses legacy __uuid_t1[_t2] names and rejects other files", () => {
    expect(parseTimestampedName("__29905154d5444bec9e5d048083a428de_5")).toMatchObject({ t1: 5, t2: 5 });
    expect(parseTimestampedName("__29905154d5444bec9e5d048083a428de_5_9")).toMatchObject({ t1: 5, t2: 9 });
    expect(parseTimestampedName("__array_schema.tdb")).toBeUndefined();
    expect(parseTimestampedName("__enumerations")).toBeUndefined();
    expect(parseTimestampedName("__1_2_nothex")).toBeUndefined();
  });

  it("makes names that parse back", () => {
    const n = makeTimestampedName(10, 20, 22);
    expect(n).toMatch(/^__10_20_[0-9a-f]{32}_22$/);
    expect(parseTimestampedName(n)).toMatchObject({ t1: 10, t2: 20, version: 22 });
    expect(makeTimestampedName(5)).toMatch(/^__5_5_[0-9a-f]{32}$/);
    expect(() => makeTimestampedName(5, 4)).toThrow(/invalid timestamp range/);
  });
});
