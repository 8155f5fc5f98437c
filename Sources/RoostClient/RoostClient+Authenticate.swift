import NIOConcurrencyHelpers
import RoostProtocol

extension RoostClient {
    /// Renews the connection's credential with an `auth` frame (a fresh JWT before the current one expires): the
    /// broker applies the new token's permissions and expiry from its `ok` on, and later reconnects send it in the
    /// handshake. Throws the broker's `unauthorized` / `token_expired` error when the token is not accepted (the
    /// connection keeps its current credential), or ``RoostClientError`` when not connected.
    public func authenticate(token: String) async throws {
        let id = state.withLockedValue { $0.takeID() }
        let codec = self.codec
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let connection = state.withLockedValue { state -> WebSocketConnection?? in
                guard !state.isClosed, state.phase == .connected else { return .none }
                _ = state.append(.auth(AuthFrame(id: RequestID(id), token: token)), codec: codec)
                state.pending[id] = .simple(continuation)
                return .some(state.flushDue())
            }
            switch connection {
            case .none: continuation.resume(throwing: RoostClientError.closed)
            case .some(let c): if let c { scheduleFlush(c) }
            }
        }
        state.withLockedValue { $0.token = token }
    }
}
