// Every duration the tool prints comes from one formatter that rounds once: the boundaries
// between seconds, minutes and hours, and a sweep that no value prints "60 s" or "60 min".
import { describe, expect, it } from "vitest";
import { formatDuration } from "../src/duration.js";

describe("formatDuration", () => {
  it.each([
    [0, "0 s"],
    [0.4, "0 s"],
    [1, "1 s"],
    [59.4, "59 s"],
    [59.5, "1 min"],
    [60, "1 min"],
    [60.4, "1 min"],
    [61, "1 min 1 s"],
    [119.5, "2 min"],
    [3599.4, "59 min 59 s"],
    [3599.5, "1 h"],
    [3629, "1 h"],
    [3630, "1 h 1 min"],
    [7199, "2 h"],
    [86_400, "24 h"],
  ])("%s s is %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each([
    [0.04, "0.0 s"],
    [0.05, "0.1 s"],
    [12.46, "12.5 s"],
    [59.94, "59.9 s"],
    [59.95, "1 min"],
    [75.3, "1 min 15 s"],
  ])("with tenths, %s s is %s", (seconds, text) => {
    expect(formatDuration(seconds, { tenths: true })).toBe(text);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -1])("an unknown duration (%s) is —", (seconds) => {
    expect(formatDuration(seconds)).toBe("—");
  });

  it("never prints 60 of a unit, nor a 0 part, over two hours in tenths of a second", () => {
    const wrong: string[] = [];
    for (let tenth = 0; tenth <= 72_000; tenth++) {
      for (const tenths of [false, true]) {
        const text = formatDuration(tenth / 10, { tenths });
        if (/(^|\s)60(\.0)? (s|min)\b/.test(text) || / 0 (s|min)$/.test(text)) wrong.push(text);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("never goes down as the duration goes up", () => {
    const toSeconds = (text: string) =>
      [...text.matchAll(/([\d.]+) (h|min|s)/g)].reduce(
        (sum, [, value, unit]) => sum + Number(value) * (unit === "h" ? 3600 : unit === "min" ? 60 : 1),
        0,
      );
    let last = 0;
    const backwards: number[] = [];
    for (let tenth = 0; tenth <= 72_000; tenth += 7) {
      const shown = toSeconds(formatDuration(tenth / 10));
      if (shown < last) backwards.push(tenth / 10);
      last = shown;
    }
    expect(backwards).toEqual([]);
  });
});
