import { describe, expect, it } from "vitest";
import { EstimatorsError } from "../src/index.js";

describe("EstimatorsError", () => {
  it("carries a code and names the thing at fault", () => {
    const err = new EstimatorsError("E_EMPTY_INPUT", "bad thing at /x/y");
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe("E_EMPTY_INPUT");
    expect(err.name).toBe("EstimatorsError");
    expect(err.message).toContain("/x/y");
  });
});
