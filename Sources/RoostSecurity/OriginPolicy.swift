import Foundation

/// Which web origins may open a WebSocket: the defence against cross-site WebSocket hijacking, where a page on a
/// foreign site opens a socket to the broker with the user's cookies or network position.
///
/// A request without `Origin` is not from a browser page and passes (a non-browser client can send any header it
/// likes, so the header protects browsers' users, not the server). With an empty allow-list every origin passes.
public struct OriginPolicy: Sendable, Equatable {
    /// The allowed origins as `scheme://host[:port]`, compared case-insensitively; `*` allows every origin, and
    /// `https://*.example.com` every subdomain of `example.com` over https (not `example.com` itself).
    public var allowedOrigins: [String]

    /// A policy allowing `allowedOrigins`; empty allows all.
    public init(allowedOrigins: [String] = []) {
        self.allowedOrigins = allowedOrigins
    }

    /// Whether a request with this `Origin` header value (nil: absent) may proceed.
    public func allows(_ origin: String?) -> Bool {
        guard let origin, !self.allowedOrigins.isEmpty else { return true }
        let wanted = origin.lowercased()
        return self.allowedOrigins.contains { entry in
            let allowed = entry.lowercased()
            if allowed == "*" || allowed == wanted { return true }
            guard let star = allowed.range(of: "://*.") else { return false }
            let scheme = allowed[..<star.lowerBound]
            let suffix = "." + allowed[star.upperBound...]
            return wanted.hasPrefix(scheme + "://") && wanted.hasSuffix(suffix)
                && wanted.count > scheme.count + 3 + suffix.count
        }
    }
}
