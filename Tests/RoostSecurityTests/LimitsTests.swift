import RoostSecurity
import Testing

@Suite("Rate limit, connection limit, origin policy")
struct LimitsTests {
    @Test func tokenBucketTriggersAndRecovers() {
        let bucket = Bucket(ratePerSecond: 10, burst: 5, nowMilliseconds: 0)
        for _ in 0..<5 { #expect(bucket.take(nowMilliseconds: 0)) }
        #expect(!bucket.take(nowMilliseconds: 0))
        #expect(bucket.millisecondsUntilAvailable(nowMilliseconds: 0) == 100)
        #expect(!bucket.take(nowMilliseconds: 99))
        #expect(bucket.take(nowMilliseconds: 100))
        #expect(!bucket.take(nowMilliseconds: 100))
        // A long quiet period refills only up to the burst.
        for _ in 0..<5 { #expect(bucket.take(nowMilliseconds: 60_000)) }
        #expect(!bucket.take(nowMilliseconds: 60_000))
    }

    @Test func batchesTakeOneTokenPerMessage() {
        let bucket = Bucket(ratePerSecond: 100, burst: 10, nowMilliseconds: 0)
        #expect(!bucket.take(11, nowMilliseconds: 0), "larger than the burst: never")
        #expect(bucket.take(7, nowMilliseconds: 0))
        #expect(!bucket.take(4, nowMilliseconds: 0), "a refused batch takes nothing")
        #expect(bucket.take(3, nowMilliseconds: 0))
        #expect(bucket.millisecondsUntilAvailable(5, nowMilliseconds: 0) == 50)
        #expect(bucket.take(5, nowMilliseconds: 50))
    }

    @Test func clockGoingBackwardsAddsNothing() {
        let bucket = Bucket(ratePerSecond: 1, burst: 1, nowMilliseconds: 10_000)
        #expect(bucket.take(nowMilliseconds: 10_000))
        #expect(!bucket.take(nowMilliseconds: 0))
        #expect(!bucket.take(nowMilliseconds: 10_500))
        #expect(bucket.take(nowMilliseconds: 11_000))
    }

    @Test func connectionLimitPerPrincipal() {
        let limiter = ConnectionLimiter(limit: 2)
        #expect(limiter.acquire("token:a"))
        #expect(limiter.acquire("token:a"))
        #expect(!limiter.acquire("token:a"))
        #expect(limiter.acquire("token:b"))
        #expect(limiter.count("token:a") == 2)
        limiter.release("token:a")
        #expect(limiter.acquire("token:a"))
        limiter.release("token:b")
        limiter.release("token:b")
        #expect(limiter.count("token:b") == 0)
        let unlimited = ConnectionLimiter(limit: 0)
        for _ in 0..<100 { #expect(unlimited.acquire("x")) }
    }

    @Test func originPolicy() {
        let open = OriginPolicy()
        #expect(open.allows("https://evil.example"))
        let policy = OriginPolicy(allowedOrigins: ["https://app.example.com", "https://*.example.org"])
        #expect(policy.allows(nil), "no Origin: not a browser page")
        #expect(policy.allows("https://app.example.com"))
        #expect(policy.allows("HTTPS://APP.EXAMPLE.COM"))
        #expect(!policy.allows("http://app.example.com"))
        #expect(!policy.allows("https://app.example.com.evil.net"))
        #expect(!policy.allows("https://evil.example"))
        #expect(!policy.allows("null"))
        #expect(policy.allows("https://a.example.org"))
        #expect(policy.allows("https://a.b.example.org"))
        #expect(!policy.allows("https://example.org"))
        #expect(!policy.allows("https://evilexample.org"))
        #expect(!policy.allows("http://a.example.org"))
        #expect(OriginPolicy(allowedOrigins: ["*"]).allows("https://x"))
    }

    @Test func authenticationDefaultsFollowTheListenAddress() {
        var configuration = SecurityConfiguration()
        #expect(!configuration.requiresAuthentication(host: "127.0.0.1"))
        #expect(!configuration.requiresAuthentication(host: "::1"))
        #expect(!configuration.requiresAuthentication(host: "localhost"))
        #expect(!configuration.requiresAuthentication(host: "127.1.2.3"))
        #expect(configuration.requiresAuthentication(host: "0.0.0.0"))
        #expect(configuration.requiresAuthentication(host: "::"))
        #expect(configuration.requiresAuthentication(host: "10.0.0.5"))
        #expect(configuration.requiresAuthentication(host: "127.0.0.1.example.com"))
        configuration.authentication = .off
        #expect(!configuration.requiresAuthentication(host: "0.0.0.0"))
        configuration.authentication = .on
        #expect(configuration.requiresAuthentication(host: "127.0.0.1"))
    }
}

/// A reference around the bucket, so that its mutating calls can sit inside `#expect`.
private final class Bucket {
    var bucket: TokenBucket

    init(ratePerSecond: Double, burst: Int, nowMilliseconds: Int64) {
        self.bucket = TokenBucket(ratePerSecond: ratePerSecond, burst: burst, nowMilliseconds: nowMilliseconds)
    }

    func take(_ count: Int = 1, nowMilliseconds: Int64) -> Bool {
        self.bucket.take(count, nowMilliseconds: nowMilliseconds)
    }

    func millisecondsUntilAvailable(_ count: Int = 1, nowMilliseconds: Int64) -> Int64 {
        self.bucket.millisecondsUntilAvailable(count, nowMilliseconds: nowMilliseconds)
    }
}
