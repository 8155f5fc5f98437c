import RoostSecurity
import Synchronization

/// Who one connection is now, and the per-principal connection slot it holds for that.
///
/// The upgrade's security check fills it (a token's principal, ``Principal/unauthenticated`` for an upgrade
/// without a token, ``Principal/anonymous`` with authentication off); a successful `auth` frame replaces it, moving
/// the slot from the old identity to the new one so that ``ConnectionLimiter`` counts every open connection
/// against the token it holds now. The server releases the slot when the connection closes.
///
/// Safe from any thread (one mutex); read once per connection and per `auth` frame, never per message.
final class ConnectionCredential: Sendable {
    private struct State {
        var principal: Principal
        /// The identity counted in the limiter, nil when none is (not yet checked, or released).
        var held: String?
        /// Set by ``release()``: a verdict arriving after the close must not take a slot again.
        var released = false
    }

    private let limiter: ConnectionLimiter
    private let state: Mutex<State>

    init(limiter: ConnectionLimiter, principal: Principal = .anonymous) {
        self.limiter = limiter
        self.state = Mutex(State(principal: principal, held: nil))
    }

    /// The connection's current principal.
    var principal: Principal {
        self.state.withLock { $0.principal }
    }

    /// Makes `principal` the connection's credential, holding a connection slot for its identity. When that
    /// identity is already at its limit nothing changes and false is returned (the old credential and its slot
    /// stay). Moving to the identity already held keeps the same slot. After ``release()`` it changes nothing.
    func replace(with principal: Principal) -> Bool {
        self.state.withLock { state in
            guard !state.released else { return false }
            if state.held != principal.identity {
                guard self.limiter.acquire(principal.identity) else { return false }
                if let old = state.held { self.limiter.release(old) }
                state.held = principal.identity
            }
            state.principal = principal
            return true
        }
    }

    /// Gives the slot back; called once the connection has closed. Later calls do nothing.
    func release() {
        self.state.withLock { state in
            if let old = state.held { self.limiter.release(old) }
            state.held = nil
            state.released = true
        }
    }
}
