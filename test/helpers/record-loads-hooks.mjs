// The loader hooks of record-loads.mjs (they run on their own thread): each resolved URL is
// appended to the file at once, so none is lost however the process ends.
import fs from "node:fs";

let file;
export function initialize(data) {
  file = data.file;
}
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  fs.appendFileSync(file, `${result.url}\n`);
  return result;
}
