// TLS material for tests, made with Debian's openssl in a temp directory: a CA, a server certificate
// for localhost/127.0.0.1 signed by it, client certificates (CN = the name given) signed by it, and
// a second, unrelated CA (for "a wrong CA is refused"). One fixture for every TLS test.
// (issue 19: built by the TLS work; this is the contract.)

export interface TlsFiles {
  /** The CA's certificate (PEM): what clients trust, and what --tls-ca names for client certificates. */
  caFile: string
  /** The server's certificate and key (PEM), for --tls-cert and --tls-key. */
  certFile: string
  keyFile: string
  /** Client certificates by CN, signed by the same CA. */
  clients: Record<string, { certFile: string; keyFile: string }>
  /** A CA that signed nothing here: trusting only it must fail the handshake. */
  otherCaFile: string
}

/** Makes the files under `dir` (which the caller creates and removes). */
export async function makeTlsFiles(dir: string, options: { clientNames?: string[]; serverName?: string } = {}): Promise<TlsFiles> {
  void dir
  void options
  throw new Error('makeTlsFiles: not built yet (issue 19)')
}
