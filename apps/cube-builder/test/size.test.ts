import { describe, expect, it } from "vitest";
import { formatBytes, parseByteSize } from "../src/size.js";

describe("parseByteSize", () => {
  it("reads binary and decimal units", () => {
    expect(parseByteSize("512MiB")).toBe(512 * 2 ** 20);
    expect(parseByteSize("8G")).toBe(8e9);
    expect(parseByteSize("1.5gib")).toBe(1.5 * 2 ** 30);
    expect(parseByteSize("1000")).toBe(1000);
  });
  it("names the flag and the bad value", () => {
    expect(() => parseByteSize("lots")).toThrow(/--memory-budget: "lots"/);
    expect(() => parseByteSize("0MiB")).toThrow(/more than zero/);
  });
  it("formats sizes", () => {
    expect(formatBytes(1536)).toBe("1.50 KiB");
  });
});
