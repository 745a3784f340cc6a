// The documentation holds together: every relative link in README.md and docs/*.md points at a
// file that exists (and, with a #fragment into a markdown file, at one of its headings), the
// README stays short enough to read (docs/development.md, "Documentation"), and the layer list
// of docs/development.md is the one scripts/check-structure.mjs enforces.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const README = path.join(ROOT, "README.md");
const DOCS = path.join(ROOT, "docs");
const pages = [
  README,
  ...fs
    .readdirSync(DOCS)
    .filter((name) => name.endsWith(".md"))
    .map((name) => path.join(DOCS, name)),
];

/** The text outside fenced code blocks and inline code, where a link is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** Targets of inline links and images, `[text](target)` and `![alt](target "title")`. */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const m of prose(markdown).matchAll(
    /!?\[(?:[^\][]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g,
  ))
    targets.push(m[1]);
  return targets;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .replace(/`/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Every anchor of a markdown file, with GitHub's -1, -2 … for repeated headings. */
function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const text = fs.readFileSync(file, "utf8").replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = anchorOf(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** What is wrong with one link of `from`, or undefined when it resolves. */
function brokenLink(from: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: … are not checked here
  const [rawPath, fragment] = target.split("#", 2) as [string, string | undefined];
  const file = rawPath === "" ? from : path.resolve(path.dirname(from), decodeURIComponent(rawPath));
  if (!file.startsWith(ROOT + path.sep)) return `${target}: outside the repository`;
  if (!fs.existsSync(file)) return `${target}: no such file`;
  if (fragment !== undefined && file.endsWith(".md") && !anchorsOf(file).has(fragment))
    return `${target}: no heading #${fragment} in ${path.relative(ROOT, file)}`;
  return undefined;
}

describe("the documentation's links", () => {
  it.each(pages.map((p) => [path.relative(ROOT, p), p]))(
    "%s: every relative link resolves",
    (_name, page) => {
      const targets = linkTargets(fs.readFileSync(page, "utf8"));
      const broken = targets.map((t) => brokenLink(page, t)).filter((b): b is string => b !== undefined);
      expect(broken).toEqual([]);
    },
  );

  it("the README links to every page of docs/", () => {
    const linked = new Set(
      linkTargets(fs.readFileSync(README, "utf8")).map((t) => path.resolve(ROOT, t.split("#")[0])),
    );
    const unlinked = pages.filter((p) => p !== README && !linked.has(p)).map((p) => path.relative(ROOT, p));
    expect(unlinked).toEqual([]);
  });

  it("finds the links it checks, and catches a broken one", () => {
    const sample = [
      "See [the contract](docs/cli.md#exit-codes) and ![a picture](docs/report.png).",
      "```sh",
      "echo [not a link](nowhere.md)",
      "```",
      "Not a link either: `[x](y.md)`; [a site](https://example.com).",
    ].join("\n");
    expect(linkTargets(sample)).toEqual(["docs/cli.md#exit-codes", "docs/report.png", "https://example.com"]);
    expect(brokenLink(README, "docs/cli.md#exit-codes")).toBeUndefined();
    expect(brokenLink(README, "docs/no-such-page.md")).toMatch(/no such file/);
    expect(brokenLink(README, "docs/cli.md#no-such-heading")).toMatch(/no heading/);
    expect(brokenLink(README, "#troubleshooting")).toBeUndefined();
    expect(anchorOf("Partner Center's 2025–2026 changes")).toBe("partner-centers-20252026-changes");
    expect(anchorOf("`pending`")).toBe("pending");
  });
});

describe("the README", () => {
  it("is at most 300 lines", () => {
    const lines = fs.readFileSync(README, "utf8").replace(/\n$/, "").split("\n").length;
    expect(lines).toBeLessThanOrEqual(300);
  });

  it("has exactly two commands in its quick start, the demo and the test suite", () => {
    const text = fs.readFileSync(README, "utf8");
    const section = text.slice(
      text.indexOf("## Quick start"),
      text.indexOf("\n## ", text.indexOf("## Quick start") + 1),
    );
    const commands = [...section.matchAll(/^```sh\n([\s\S]*?)^```/gm)].flatMap((m) =>
      m[1].split("\n").filter((line) => line.trim() !== ""),
    );
    expect(commands).toEqual(["npm ci && npm run demo", "npm ci && npm test"]);
  });
});

describe("docs/development.md", () => {
  it("lists the layers scripts/check-structure.mjs enforces, lowest first", () => {
    const script = fs.readFileSync(path.join(ROOT, "scripts", "check-structure.mjs"), "utf8");
    const block = /const LAYERS = \[([\s\S]*?)\n\];/.exec(script)?.[1] ?? "";
    const enforced = [...block.matchAll(/^\s*\[([^\]]*)\]/gm)].map((m) =>
      [...m[1].matchAll(/"([^"]+)"/g)].map((n) => n[1]),
    );
    const doc = fs.readFileSync(path.join(DOCS, "development.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Layers"));
    const documented = [...section.matchAll(/^\d+\.\s+(.+)$/gm)].map((m) =>
      [...m[1].matchAll(/`([^`]+)`/g)].map((n) => n[1]),
    );
    expect(enforced.length).toBeGreaterThan(5);
    expect(documented).toEqual(enforced);
  });
});
