/// How JWT bearer tokens are verified: the keys, and the claims every token must satisfy.
///
/// A token is accepted when its signature verifies with one of ``keys`` (by `kid` when the header names one,
/// otherwise each key is tried), it is not expired (`exp`), already valid (`nbf`), issued by ``issuer`` (when
/// set) for ``audience`` (when set). Its permissions come from the `roost` claim, shaped like ``Permissions``:
///
/// ```json
/// {"sub": "billing-7", "exp": 1767229200, "iss": "https://auth.example.com", "aud": "roost",
///  "roost": {"publish": ["billing.>"], "subscribe": ["orders.>"], "consumers": ["billing-*"]}}
/// ```
public struct JWTConfiguration: Sendable {
    /// One verification key.
    public struct Key: Sendable {
        enum Material: Sendable {
            case hs256(secret: [UInt8])
            case rs256(pem: String)
            case es256(pem: String)
            case eddsa(pem: String)
        }

        let material: Material
        /// The `kid` a token's header names to pick this key; nil: the key is tried for tokens without a `kid`.
        public var kid: String?

        /// HMAC-SHA256 with a shared secret (at least 32 bytes is the RFC 7518 advice; shorter is refused).
        public static func hs256(secret: String, kid: String? = nil) -> Key {
            Key(material: .hs256(secret: Array(secret.utf8)), kid: kid)
        }

        /// RSASSA-PKCS1-v1_5 with SHA-256, verified with an RSA public key in PEM (`BEGIN PUBLIC KEY`), 2048 bits
        /// or more.
        public static func rs256(publicKeyPEM: String, kid: String? = nil) -> Key {
            Key(material: .rs256(pem: publicKeyPEM), kid: kid)
        }

        /// ECDSA P-256 with SHA-256, verified with a P-256 public key in PEM.
        public static func es256(publicKeyPEM: String, kid: String? = nil) -> Key {
            Key(material: .es256(pem: publicKeyPEM), kid: kid)
        }

        /// Ed25519 (`alg: EdDSA`), verified with an Ed25519 public key in PEM.
        public static func eddsa(publicKeyPEM: String, kid: String? = nil) -> Key {
            Key(material: .eddsa(pem: publicKeyPEM), kid: kid)
        }
    }

    /// The verification keys; at least one.
    public var keys: [Key]

    /// Required `iss`; nil: any issuer. Set it whenever the signing key is shared with other services.
    public var issuer: String?

    /// Required member of `aud`; nil: any audience. Default `roost`, so a token minted for another service
    /// with the same key is not accepted here.
    public var audience: String?

    /// Tolerated clock difference, seconds, when checking `exp` and `nbf`. Default 30: clocks of machines kept by
    /// NTP agree far better than that, and half a minute of extra life for an expired token is harmless.
    public var leewaySeconds: Int64

    /// Whether a token without `exp` is refused. Default true: a token that never expires cannot be revoked short
    /// of changing the key.
    public var requireExpiration: Bool

    /// Creates a configuration over `keys`.
    public init(
        keys: [Key], issuer: String? = nil, audience: String? = "roost", leewaySeconds: Int64 = 30,
        requireExpiration: Bool = true
    ) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leewaySeconds = leewaySeconds
        self.requireExpiration = requireExpiration
    }
}
