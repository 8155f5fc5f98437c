import Foundation
import RoostSecurity
import Testing

@Suite("Permissions")
struct PermissionsTests {
    func decode(_ json: String) throws -> Permissions {
        try JSONDecoder().decode(Permissions.self, from: Data(json.utf8))
    }

    @Test func ordersSubscriberCannotReadPayments() throws {
        let permissions = try self.decode(#"{"subscribe":["orders.>"],"consumers":["billing-*"]}"#)
        #expect(permissions.canSubscribe(topic: "orders.created", consumer: nil))
        #expect(permissions.canSubscribe(topic: "orders.*", consumer: "billing-eu"))
        #expect(!permissions.canSubscribe(topic: "payments.*", consumer: nil))
        #expect(!permissions.canSubscribe(topic: ">", consumer: nil))
        #expect(!permissions.canSubscribe(topic: "*.created", consumer: nil))
        #expect(!permissions.canSubscribe(topic: "orders.created", consumer: "audit"))
        #expect(!permissions.canSubscribe(topic: "orders..x", consumer: nil), "an unparsable pattern is refused")
        #expect(!permissions.canPublish(topic: "orders.created"), "subscribe does not grant publish")
        #expect(!permissions.canAdminister(topic: "orders.created"))
        #expect(!permissions.isAdministrator)
    }

    @Test func adminScopes() throws {
        let scoped = try self.decode(#"{"admin":["orders.>"]}"#)
        #expect(scoped.canAdminister(topic: "orders.x"))
        #expect(!scoped.canAdminister(topic: "payments.x"))
        #expect(!scoped.isAdministrator)
        #expect(try self.decode(#"{"admin":[">"]}"#).isAdministrator)
        #expect(Permissions.unrestricted.isAdministrator)
        #expect(Permissions.unrestricted.canSubscribe(topic: ">", consumer: "any"))
        #expect(!Permissions().canPublish(topic: "a"))
    }

    @Test func consumerNamePatterns() throws {
        let pattern = try #require(ConsumerNamePattern("billing-*"))
        #expect(pattern.matches("billing-eu"))
        #expect(pattern.matches("billing-"))
        #expect(!pattern.matches("billing"))
        #expect(!pattern.matches("xbilling-eu"))
        let middle = try #require(ConsumerNamePattern("a*b*c"))
        #expect(middle.matches("abc"))
        #expect(middle.matches("a-x-b-y-c"))
        #expect(!middle.matches("acb"))
        #expect(!middle.matches("ab"))
        #expect(try #require(ConsumerNamePattern("exact")).matches("exact"))
        #expect(!(try #require(ConsumerNamePattern("exact")).matches("exactly")))
        #expect(try #require(ConsumerNamePattern("*")).matches(""))
        #expect(ConsumerNamePattern("") == nil)
    }

    @Test func jsonRoundTripAndErrors() throws {
        let permissions = try self.decode(#"{"publish":["a.*"],"subscribe":["b.>"],"admin":[],"consumers":["c"]}"#)
        let again = try JSONDecoder().decode(Permissions.self, from: try JSONEncoder().encode(permissions))
        #expect(again == permissions)
        #expect(try self.decode("{}") == Permissions())
        #expect(throws: DecodingError.self) { try self.decode(#"{"publish":["a..b"]}"#) }
        #expect(throws: DecodingError.self) { try self.decode(#"{"subscribe":[">.a"]}"#) }
        #expect(throws: DecodingError.self) { try self.decode(#"{"consumers":[""]}"#) }
        #expect(throws: DecodingError.self) { try self.decode(#"{"publish":"a"}"#) }
    }

    @Test func errorCodesAndMessages() {
        #expect(AuthenticationError.forbidden("subscribe to 'payments.*'").code == "forbidden")
        #expect(AuthenticationError.forbidden("x").isForbidden)
        #expect(AuthenticationError.unknownToken.code == "unauthorized")
        #expect(!AuthenticationError.unknownToken.isForbidden)
        #expect(AuthenticationError.badSignature.code == "unauthorized")
        #expect(AuthenticationError.forbidden("publish to 'x'").message == "not allowed to publish to 'x'")
    }
}
