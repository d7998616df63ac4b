import { describe, expect, it } from "vitest";
import { parseCgiHead } from "./cgi-response.js";

describe("parseCgiHead", () => {
  it("waits for the blank line", () => {
    expect(parseCgiHead(Buffer.from("Content-Type: text/plain\r\n"))).toBeUndefined();
  });

  it("reads the Status line, headers and the start of the body", () => {
    const head = parseCgiHead(Buffer.from("Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nbody"));
    expect(head?.status).toBe(404);
    expect(head?.headers).toEqual([["Content-Type", "text/plain"]]);
    expect(head?.rest.toString()).toBe("body");
  });

  it("defaults to 200 and accepts bare newlines", () => {
    const head = parseCgiHead(Buffer.from("Expires: Fri, 01 Jan 1980 00:00:00 GMT\nCache-Control: no-cache\n\n\x00\x01"));
    expect(head?.status).toBe(200);
    expect(head?.headers).toHaveLength(2);
    expect([...(head?.rest ?? [])]).toEqual([0, 1]);
  });
});
