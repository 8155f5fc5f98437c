import RoostClient
import Testing

@Suite struct ReconnectBackoffTests {
    @Test func growsExponentiallyUpToTheMaximum() {
        let backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(1), multiplier: 2, jitter: 0)
        #expect(backoff.delay(attempt: 1, unitRandom: 0.3) == .milliseconds(100))
        #expect(backoff.delay(attempt: 2, unitRandom: 0.3) == .milliseconds(200))
        #expect(backoff.delay(attempt: 4, unitRandom: 0.3) == .milliseconds(800))
        #expect(backoff.delay(attempt: 5, unitRandom: 0.3) == .seconds(1))
        #expect(backoff.delay(attempt: 500, unitRandom: 0.3) == .seconds(1))
    }

    @Test func jitterDrawsBetweenHalfAndFullDelay() {
        let backoff = ReconnectBackoff(initial: .seconds(1), maximum: .seconds(10), multiplier: 2, jitter: 0.5)
        #expect(backoff.delay(attempt: 2, unitRandom: 0) == .seconds(1))
        #expect(backoff.delay(attempt: 2, unitRandom: 0.5) == .milliseconds(1500))
        #expect(backoff.delay(attempt: 2, unitRandom: 1) == .seconds(2))
    }

    @Test func outOfRangeInputsAreClamped() {
        let backoff = ReconnectBackoff(initial: .seconds(1), maximum: .seconds(4), multiplier: 2, jitter: 7)
        #expect(backoff.delay(attempt: 0, unitRandom: -3) == .zero)
        #expect(backoff.delay(attempt: -5, unitRandom: 2) == .seconds(1))
    }
}
