import { describe, expect, it } from "vitest";
import { CubeBuilderError } from "../src/index.js";

describe("CubeBuilderError", () => {
  it("carries a code and names the thing at fault", () => {
    const err = new CubeBuilderError("E_BAD_FLAG", "bad thing at /x/y");
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe("E_BAD_FLAG");
    expect(err.name).toBe("CubeBuilderError");
    expect(err.message).toContain("/x/y");
  });
});
