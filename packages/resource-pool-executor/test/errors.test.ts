import { describe, expect, it } from "vitest";
import { ExecutorError } from "../src/index.js";

describe("ExecutorError", () => {
  it("carries a code and names the thing at fault", () => {
    const err = new ExecutorError("E_TEST", "bad thing at /x/y");
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe("E_TEST");
    expect(err.name).toBe("ExecutorError");
    expect(err.message).toContain("/x/y");
  });
});
