import { generate } from "selfsigned";

interface ThrowawayCertificate {
  /** PEM; trust it with NODE_EXTRA_CA_CERTS (it is its own CA). */
  readonly cert: string;
  readonly key: string;
}

/**
 * A self-signed certificate for the simulators on loopback, valid for a week: 127.0.0.1,
 * localhost and any extra host names (a test's made-up API host that only its proxy knows).
 */
export async function throwawayCertificate(hostNames: readonly string[] = []): Promise<ThrowawayCertificate> {
  const pems = await generate([{ name: "commonName", value: hostNames[0] ?? "127.0.0.1" }], {
    keyType: "ec",
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + 7 * 24 * 3600_000),
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
          ...hostNames.map((value) => ({ type: 2 as const, value })),
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
