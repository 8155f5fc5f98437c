import NIOSSL

/// TLS for `wss://` and `https://`: the certificate chain and private key, read from PEM files at start and again
/// on ``RoostServer/reloadTLS()`` (what `roost serve` does on SIGHUP), so a renewed certificate is picked up
/// without a restart. Connections already open keep the certificate they were made with.
public struct ServerTLSConfiguration: Sendable, Equatable {
    /// PEM file with the server certificate first, then any intermediates.
    public var certificateChainPath: String
    /// PEM file with the certificate's private key (unencrypted).
    public var privateKeyPath: String

    /// TLS with these files.
    public init(certificateChainPath: String, privateKeyPath: String) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
    }

    /// Reads both files and builds a server context: TLS 1.2 at least (NIOSSL's default cipher suites), ALPN
    /// `http/1.1` (WebSocket over HTTP/2 is not offered). Throws ``ServerConfigurationError`` naming the file.
    func makeContext() throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(self.certificateChainPath)
        } catch {
            throw ServerConfigurationError.tls("cannot read the certificate chain \(self.certificateChainPath): \(error)")
        }
        guard !chain.isEmpty else {
            throw ServerConfigurationError.tls("no certificate in \(self.certificateChainPath)")
        }
        do {
            key = try NIOSSLPrivateKey(file: self.privateKeyPath, format: .pem)
        } catch {
            throw ServerConfigurationError.tls("cannot read the private key \(self.privateKeyPath): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ServerConfigurationError.tls("the certificate and key do not make a TLS context (do they match?): \(error)")
        }
    }
}
