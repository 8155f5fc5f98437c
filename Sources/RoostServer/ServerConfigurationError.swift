import NIOCore

/// A ``ServerConfiguration`` that cannot work, found by ``ServerConfiguration/validate()`` before anything is bound.
public struct ServerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        case notPositive(String)
        case waterMarks
        case frameSize
        case outboundCap
        case tls(String)
    }

    private let kind: Kind

    /// A stable identifier of the problem, for scripts and tests.
    public var code: String {
        switch self.kind {
        case .notPositive: return "not_positive"
        case .waterMarks: return "water_marks"
        case .frameSize: return "frame_size"
        case .outboundCap: return "outbound_cap"
        case .tls: return "tls"
        }
    }

    /// A human explanation naming the field.
    public var description: String {
        switch self.kind {
        case .notPositive(let field): return "\(field) must be greater than zero"
        case .waterMarks: return "outboundLowWaterMark must not exceed outboundHighWaterMark"
        case .frameSize: return "maxFrameSize must be at most 4 GiB - 1 (the largest frame NIO's decoder accepts)"
        case .outboundCap: return "maxOutboundBufferSize must be at least outboundHighWaterMark"
        case .tls(let problem): return "TLS: \(problem)"
        }
    }

    static func notPositive(_ field: String) -> Self { Self(kind: .notPositive(field)) }
    static let waterMarks = Self(kind: .waterMarks)
    static let frameSize = Self(kind: .frameSize)
    static let outboundCap = Self(kind: .outboundCap)
    static func tls(_ problem: String) -> Self { Self(kind: .tls(problem)) }
}

extension ServerConfiguration {
    /// Checks that the values can work together; ``RoostServer/start()`` calls it, and a config-file loader should
    /// too, to report a bad file before binding.
    public func validate() throws(ServerConfigurationError) {
        let positive: [(String, Int64)] = [
            ("maxConnections", Int64(self.maxConnections)), ("maxMessageSize", Int64(self.maxMessageSize)),
            ("maxFrameSize", Int64(self.maxFrameSize)), ("maxHTTPBodySize", Int64(self.maxHTTPBodySize)),
            ("backlog", Int64(self.backlog)), ("handshakeTimeout", self.handshakeTimeout.nanoseconds),
            ("pingInterval", self.pingInterval.nanoseconds), ("idleTimeout", self.idleTimeout.nanoseconds),
            ("closeTimeout", self.closeTimeout.nanoseconds), ("shutdownTimeout", self.shutdownTimeout.nanoseconds),
            ("outboundLowWaterMark", Int64(self.outboundLowWaterMark)),
            ("outboundHighWaterMark", Int64(self.outboundHighWaterMark)),
        ]
        for (field, value) in positive where value <= 0 { throw .notPositive(field) }
        guard self.outboundLowWaterMark <= self.outboundHighWaterMark else { throw .waterMarks }
        guard self.maxFrameSize <= Int(UInt32.max) else { throw .frameSize }
        guard self.maxOutboundBufferSize >= self.outboundHighWaterMark else { throw .outboundCap }
    }
}
