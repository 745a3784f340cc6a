// Whether the tool's own typographic characters reach the reader intact. Windows PowerShell 5.1
// decodes a program's output with the console's code page (437 or 850, not UTF-8, unless `chcp
// 65001`), and a POSIX shell with LANG=C or LC_ALL=C has no UTF-8 either: there "·—…→" become
// "-", "-", "..." and "->". One function decides (docs/cli.md "Conventions"); cli.ts applies it to
// everything written to stdout and stderr, so every printer follows it.

interface OutputSetting {
  readonly env: NodeJS.ProcessEnv;
  readonly platform: NodeJS.Platform;
  /** Windows: the console's output code page (`chcp`), when it could be read. */
  readonly codePage?: number;
}

/** UTF-8 output: the locale says UTF-8 (POSIX; an unset locale counts as UTF-8), or code page 65001 (Windows). */
export function writesUtf8(setting: OutputSetting): boolean {
  if (setting.platform === "win32") return setting.codePage === undefined || setting.codePage === 65001;
  const env = setting.env;
  // The first one set wins, as for every program that reads the locale.
  const locale = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((value) => value !== undefined && value !== "");
  if (locale === undefined) return true;
  return /utf-?8/i.test(locale);
}

const ASCII: Readonly<Record<string, string>> = {
  "·": "-",
  "—": "-",
  "–": "-",
  "…": "...",
  "→": "->",
  "‘": "'",
  "’": "'",
  "“": '"',
  "”": '"',
  "×": "x",
};
const TYPOGRAPHIC = new RegExp(`[${Object.keys(ASCII).join("")}]`, "g");

/** The tool's typographic characters in ASCII; every other character (a file name's é) as it is. */
export function asciiFallback(text: string): string {
  return text.replace(TYPOGRAPHIC, (char) => ASCII[char] ?? char);
}

/** The console's output code page on Windows, from `chcp` ("Active code page: 850"); undefined when unknown. */
export function codePageOf(chcpOutput: string): number | undefined {
  const match = /(\d{3,5})\s*\.?\s*$/.exec(chcpOutput.trim());
  return match ? Number(match[1]) : undefined;
}
