import { describe, expect, it } from "vitest";
import { TileDBError } from "../src/index.js";

describe("TileDBError", () => {
  it("carries a code and names the thing at fault", () => {
    const err = new TileDBError("E_NOT_FOUND", "bad thing at /x/y");
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe("E_NOT_FOUND");
    expect(err.name).toBe("TileDBError");
    expect(err.message).toContain("/x/y");
  });
});
