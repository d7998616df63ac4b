/** Kubernetes resource quantities in bytes: enough for the storage sizes the manifests write. */
const SUFFIXES: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** "20Gi" -> 21474836480; throws on what it does not read, so a typo fails the test rather than counting as 0. */
export function quantityBytes(quantity: string | number): number {
  if (typeof quantity === "number") return quantity;
  const match = /^(\d+(?:\.\d+)?)([kMGT]i?|Ki)?$/.exec(quantity.trim());
  const factor = SUFFIXES[match?.[2] ?? ""];
  if (match === null || factor === undefined) throw new Error(`not a storage quantity this test reads: ${quantity}`);
  return Number(match[1]) * factor;
}
