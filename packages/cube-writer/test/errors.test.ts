import { describe, expect, it } from "vitest";
import { CubeWriterError } from "../src/index.js";

describe("CubeWriterError", () => {
  it("carries a code and names the thing at fault", () => {
    const err = new CubeWriterError("E_BAD_FEATURE_ID", "bad thing at /x/y");
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe("E_BAD_FEATURE_ID");
    expect(err.name).toBe("CubeWriterError");
    expect(err.message).toContain("/x/y");
  });
});
