// The did-you-mean behind mistyped commands and options: an edit distance that counts a swap of
// two neighbouring letters as one typo, and a nearest name only when it is near enough.
import { describe, expect, it } from "vitest";
import { didYouMean, editDistance, nearestName } from "../src/commands/suggest.js";

describe("editDistance", () => {
  it.each([
    ["", "", 0],
    ["run", "run", 0],
    ["", "run", 3],
    ["concurency", "concurrency", 1], // a letter left out
    ["vaildate", "validate", 1], // two letters swapped
    ["rnu", "run", 1],
    ["kitten", "sitting", 3],
  ])("%s → %s is %i", (from, to, distance) => {
    expect(editDistance(from, to)).toBe(distance);
    expect(editDistance(to, from)).toBe(distance);
  });
});

describe("nearestName", () => {
  const options = ["concurrency", "max-rpm", "max-attempts", "timeout", "outage-timeout", "date-format"];

  it("finds the option meant", () => {
    expect(nearestName("concurency", options)).toBe("concurrency");
    expect(nearestName("date-fromat", options)).toBe("date-format");
    expect(nearestName("TIMEOUT", options)).toBe("timeout");
  });

  it("suggests nothing when nothing is near: one typo for short names, two from six letters", () => {
    expect(nearestName("frobnicate", options)).toBeUndefined();
    expect(nearestName("max", options)).toBeUndefined();
    expect(nearestName("tmeout", options)).toBe("timeout");
    expect(nearestName("tmeuot", options)).toBe("timeout"); // two typos in six letters
    expect(nearestName("tmeuotx", options)).toBeUndefined(); // three are another word
    expect(nearestName("rn", ["run", "login"])).toBe("run");
    expect(nearestName("xy", ["run"])).toBeUndefined();
  });

  it("words its hint with the option's dashes", () => {
    expect(didYouMean("--concurency", options, "--")).toBe(" (did you mean --concurrency?)");
    expect(didYouMean("--nothing-like-it", options, "--")).toBe("");
  });
});
