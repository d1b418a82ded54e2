import { describe, expect, it } from "vitest";
import { CensusReaderError } from "../src/index.js";

describe("CensusReaderError", () => {
  it("carries a code and names the thing at fault", () => {
    const err = new CensusReaderError("E_COORDS", "bad thing at /x/y");
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe("E_COORDS");
    expect(err.name).toBe("CensusReaderError");
    expect(err.message).toContain("/x/y");
  });
});
