import { describe, expect, it } from "vitest";
import { tokenFromAuthorization } from "./credentials.js";

describe("tokenFromAuthorization", () => {
  it("reads token, Bearer and Basic (password) schemes", () => {
    expect(tokenFromAuthorization("token abc")).toBe("abc");
    expect(tokenFromAuthorization("Bearer abc")).toBe("abc");
    expect(tokenFromAuthorization(`Basic ${Buffer.from("x-access-token:abc").toString("base64")}`)).toBe("abc");
  });

  it("finds nothing in missing, empty or unknown credentials", () => {
    expect(tokenFromAuthorization(undefined)).toBeUndefined();
    expect(tokenFromAuthorization("token")).toBeUndefined();
    expect(tokenFromAuthorization(`Basic ${Buffer.from("user-only").toString("base64")}`)).toBeUndefined();
    expect(tokenFromAuthorization("Digest abc")).toBeUndefined();
  });
});
