import Foundation

extension SecurityConfiguration {
    /// Reads the security file (JSON, shape in Docs/security.md): `auth`, `tokens`, `jwt`, `allowed_origins`,
    /// `publish_rate`, `publish_burst`, `max_connections_per_principal`, `auth_timeout_ms`. An unknown key is an error, so a misspelt
    /// limit is not silently ignored. Key files named by
    /// `public_key_file` are read relative to the security file's directory when not absolute.
    ///
    /// - Throws: ``SecurityConfigurationError`` naming the file and the offending entry.
    public static func load(path: String) throws -> SecurityConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecurityConfigurationError("\(path): cannot read the security file")
        }
        let directory = (path as NSString).deletingLastPathComponent
        do {
            return try Self.parse(data, relativeTo: directory)
        } catch let error as SecurityConfigurationError {
            throw SecurityConfigurationError("\(path): \(error.description)")
        }
    }

    /// Parses the JSON of a security file; relative key file paths are resolved against `directory`.
    public static func parse(_ json: Data, relativeTo directory: String = ".") throws -> SecurityConfiguration {
        let file: FileShape
        do {
            file = try JSONDecoder().decode(FileShape.self, from: json)
        } catch {
            throw SecurityConfigurationError("not a valid security file: \(Self.describe(error))")
        }
        if let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any] {
            let known: Set<String> = [
                "auth", "tokens", "jwt", "allowed_origins", "publish_rate", "publish_burst", "max_connections_per_principal",
                "auth_timeout_ms",
            ]
            if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
                throw SecurityConfigurationError("unknown key '\(unknown)'")
            }
        }
        var configuration = SecurityConfiguration()
        if let auth = file.auth {
            guard let mode = AuthenticationMode(rawValue: auth) else {
                throw SecurityConfigurationError("auth must be auto, on or off, not '\(auth)'")
            }
            configuration.authentication = mode
        }
        configuration.tokens = try (file.tokens ?? []).enumerated().map { index, token in
            guard let parsed = StaticToken(name: token.name, sha256Hex: token.sha256, permissions: token.permissions ?? Permissions()) else {
                throw SecurityConfigurationError("tokens[\(index)] (\(token.name)): sha256 must be 64 hexadecimal digits")
            }
            return parsed
        }
        if let jwt = file.jwt {
            configuration.jwt = JWTConfiguration(
                keys: try jwt.keys.enumerated().map { try Self.key($1, index: $0, directory: directory) },
                issuer: jwt.issuer, audience: jwt.audience ?? "roost", leewaySeconds: jwt.leeway_seconds ?? 30,
                requireExpiration: jwt.require_exp ?? true)
        }
        configuration.allowedOrigins = file.allowed_origins ?? []
        if let rate = file.publish_rate {
            guard rate > 0 else { throw SecurityConfigurationError("publish_rate must be positive (leave it out for no limit)") }
            configuration.publishRatePerSecond = rate
        }
        if let burst = file.publish_burst {
            guard burst >= 1 else { throw SecurityConfigurationError("publish_burst must be at least 1") }
            configuration.publishBurst = burst
        }
        if let limit = file.max_connections_per_principal {
            guard limit >= 0 else { throw SecurityConfigurationError("max_connections_per_principal must be 0 (none) or more") }
            configuration.maxConnectionsPerPrincipal = limit
        }
        if let timeout = file.auth_timeout_ms {
            guard timeout >= 0 else { throw SecurityConfigurationError("auth_timeout_ms must be 0 (token at the upgrade only) or more") }
            configuration.authTimeoutMilliseconds = timeout
        }
        return configuration
    }

    private static func key(_ key: FileShape.Key, index: Int, directory: String) throws -> JWTConfiguration.Key {
        func pem() throws -> String {
            if let pem = key.public_key { return pem }
            guard let file = key.public_key_file else {
                throw SecurityConfigurationError("jwt.keys[\(index)]: \(key.alg) needs public_key or public_key_file")
            }
            let path = file.hasPrefix("/") ? file : directory + "/" + file
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw SecurityConfigurationError("jwt.keys[\(index)]: cannot read \(path)")
            }
            return text
        }
        switch key.alg {
        case "HS256":
            guard let secret = key.secret else { throw SecurityConfigurationError("jwt.keys[\(index)]: HS256 needs secret") }
            return .hs256(secret: secret, kid: key.kid)
        case "RS256": return .rs256(publicKeyPEM: try pem(), kid: key.kid)
        case "ES256": return .es256(publicKeyPEM: try pem(), kid: key.kid)
        case "EdDSA": return .eddsa(publicKeyPEM: try pem(), kid: key.kid)
        default:
            throw SecurityConfigurationError("jwt.keys[\(index)]: alg must be HS256, RS256, ES256 or EdDSA, not '\(key.alg)'")
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context),
            DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, let context):
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            return "\(path) is required"
        default:
            return "\(error)"
        }
    }

    /// The file's JSON, with the keys as written in it.
    private struct FileShape: Decodable {
        struct Token: Decodable {
            var name: String
            var sha256: String
            var permissions: Permissions?
        }

        struct Key: Decodable {
            var alg: String
            var kid: String?
            var secret: String?
            var public_key: String?
            var public_key_file: String?
        }

        struct JWT: Decodable {
            var keys: [Key]
            var issuer: String?
            var audience: String?
            var leeway_seconds: Int64?
            var require_exp: Bool?
        }

        var auth: String?
        var tokens: [Token]?
        var jwt: JWT?
        var allowed_origins: [String]?
        var publish_rate: Double?
        var publish_burst: Int?
        var max_connections_per_principal: Int?
        var auth_timeout_ms: Int64?
    }
}
