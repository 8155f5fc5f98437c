/// Exponential backoff with jitter for reconnect attempts: a pure function of the attempt number and a
/// random draw, so that tests pin the draw and assert the delay.
public struct ReconnectBackoff: Sendable, Hashable {
    /// Delay before the first retry. Default 100 ms: a restarting broker is usually back within a second.
    public var initial: Duration
    /// Upper bound for any delay. Default 10 s: long enough to spare a broker that is down, short enough to
    /// notice it is back soon.
    public var maximum: Duration
    /// Growth per attempt. Default 2.
    public var multiplier: Double
    /// Fraction of the delay that is random, 0...1. Default 0.5: the delay is uniformly drawn from
    /// [d/2, d], so that many clients cut off together do not reconnect in lockstep.
    public var jitter: Double

    /// Creates a backoff policy; see each field for its default.
    public init(
        initial: Duration = .milliseconds(100), maximum: Duration = .seconds(10), multiplier: Double = 2,
        jitter: Double = 0.5
    ) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The delay before retry number `attempt` (1 = first retry), given `unitRandom` in [0, 1).
    public func delay(attempt: Int, unitRandom: Double) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        let base = min(initial.seconds * pow2(multiplier, exponent), maximum.seconds)
        let clampedJitter = min(max(jitter, 0), 1)
        let draw = min(max(unitRandom, 0), 1)
        let seconds = base * (1 - clampedJitter * (1 - draw))
        return .nanoseconds(Int64(seconds * 1e9))
    }

    private func pow2(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        var remaining = Int(min(exponent, 64))
        while remaining > 0 && result < 1e12 {
            result *= base
            remaining -= 1
        }
        return result
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
