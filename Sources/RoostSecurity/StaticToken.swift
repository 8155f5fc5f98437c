import Crypto

/// A token written in the configuration, with its permissions. Only the token's SHA-256 is kept, so a leaked
/// configuration file does not leak the token (hash a new token with `printf %s "$TOKEN" | sha256sum`).
public struct StaticToken: Sendable {
    /// A name for logs and per-token limits (`token:<name>`); not secret.
    public var name: String
    /// SHA-256 of the token's UTF-8 bytes.
    public var sha256: [UInt8]
    /// What a connection presenting this token may do.
    public var permissions: Permissions

    /// A token from its hash, written as 64 hexadecimal digits; nil when `sha256Hex` is not that.
    public init?(name: String, sha256Hex: String, permissions: Permissions) {
        guard let digest = Self.bytes(hex: sha256Hex), digest.count == 32 else { return nil }
        self.name = name
        self.sha256 = digest
        self.permissions = permissions
    }

    /// A token from the token itself (tests, or a program that generates its tokens); only the hash is kept.
    public init(name: String, secret: String, permissions: Permissions) {
        self.name = name
        self.sha256 = Self.digest(secret)
        self.permissions = permissions
    }

    /// SHA-256 of `token`'s UTF-8 bytes.
    static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// The static tokens of the configuration, looked up by the hash of a presented token.
///
/// The presented token is hashed, then compared with **every** configured hash in constant time (no early exit
/// on the first differing byte, no early exit on the first match), so the time taken tells nothing about how
/// close a guess was nor which entry matched.
struct StaticTokenTable: Sendable {
    let tokens: [StaticToken]

    func lookup(_ token: String) -> StaticToken? {
        let digest = StaticToken.digest(token)
        var found: StaticToken?
        for candidate in self.tokens where Self.constantTimeEqual(candidate.sha256, digest) {
            if found == nil { found = candidate }
        }
        return found
    }

    /// Compares two byte arrays in time that depends only on their lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
