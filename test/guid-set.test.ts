import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GuidSet } from "../src/guid-set.js";

describe("GuidSet", () => {
  it("tells a second add of the same id from a first, as a Set would", () => {
    const set = new GuidSet(1000);
    const plain = new Set<string>();
    const ids = Array.from({ length: 1500 }, () => randomUUID());
    // Every third id comes again later: within the expected size and past it (the table grows).
    const sequence = [...ids, ...ids.filter((_, i) => i % 3 === 0)];
    for (const id of sequence) {
      expect(set.addOrHas(id)).toBe(plain.has(id));
      plain.add(id);
    }
    expect(set.size).toBe(plain.size);
    for (const id of ids) expect(set.has(id)).toBe(true);
    expect(set.has(randomUUID())).toBe(false);
  });

  it("grows once to the size it is told to foresee, and stays exact", () => {
    let asked = 0;
    const set = new GuidSet(16, () => {
      asked++;
      return 6_000;
    });
    const ids = Array.from({ length: 5_000 }, () => randomUUID());
    for (const id of ids) expect(set.addOrHas(id)).toBe(false);
    for (const id of ids) expect(set.addOrHas(id)).toBe(true);
    expect(asked).toBe(1);
    expect(set.size).toBe(5_000);
    // A guess that falls short only means it grows again, by doubling.
    for (let i = 0; i < 3_000; i++) set.addOrHas(randomUUID());
    expect(asked).toBe(2);
    expect(set.size).toBe(8_000);
    for (const id of ids) expect(set.has(id)).toBe(true);
  });

  it("gives its table's memory back at once on release, and is empty after", () => {
    const set = new GuidSet(100_000);
    const ids = Array.from({ length: 1_000 }, () => randomUUID());
    for (const id of ids) set.addOrHas(id);
    set.addOrHas("not-a-guid");
    const table = (set as unknown as { keys: Uint32Array }).keys.buffer;
    expect(table.byteLength).toBeGreaterThan(1_000_000);
    set.release();
    // Detached: the memory left with the message, not at some later collection.
    expect(table.byteLength).toBe(0);
    expect(set.size).toBe(0);
    expect(set.has(ids[0])).toBe(false);
    expect(set.addOrHas(ids[0])).toBe(false);
  });

  it("keeps the nil GUID and ids of other shapes apart from the table", () => {
    const set = new GuidSet(4);
    const nil = "00000000-0000-0000-0000-000000000000";
    expect(set.addOrHas(nil)).toBe(false);
    expect(set.addOrHas(nil)).toBe(true);
    expect(set.addOrHas("not-a-guid")).toBe(false);
    expect(set.addOrHas("not-a-guid")).toBe(true);
    expect(set.has("00000000-0000-0000-0000-000000000001")).toBe(false);
    expect(set.size).toBe(2);
  });

  it("holds as many ids as it was sized for, and ids that differ in one word only", () => {
    const set = new GuidSet(20_000);
    for (let i = 0; i < 20_000; i++) {
      const id = `9e3779b1-0000-4000-879b-${i.toString(16).padStart(12, "0")}`;
      expect(set.addOrHas(id)).toBe(false);
    }
    expect(set.addOrHas("9e3779b1-0000-4000-879b-000000004e1f")).toBe(true);
    expect(set.size).toBe(20_000);
  });
});
