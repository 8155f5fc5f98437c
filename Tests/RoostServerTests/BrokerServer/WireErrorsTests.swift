import NIOHTTP1
import RoostBroker
import RoostProtocol
import RoostServer
import RoostStorage
import Testing

@Suite("WireErrors")
struct WireErrorsTests {
    @Test("broker errors map to the registry's codes")
    func brokerCodes() {
        let cases: [(BrokerError.Code, ErrorCode)] = [
            (.invalidTopicName, .invalidTopic), (.invalidPattern, .invalidTopic), (.reservedTopicName, .invalidTopic),
            (.topicNotFound, .topicNotFound), (.topicExists, .topicExists), (.messageTooLarge, .messageTooLarge),
            (.batchTooLarge, .batchTooLarge), (.emptyBatch, .invalidField), (.reservedHeader, .invalidField), (.invalidConfiguration, .invalidField),
            (.invalidConsumerName, .invalidField), (.consumerNotFound, .consumerNotFound),
            (.consumerMismatch, .consumerBusy), (.consumerBusy, .consumerBusy), (.tooManyMembers, .consumerBusy),
            (.subscriptionClosed, .unknownSubscription), (.notInFlight, .offsetOutOfRange),
            (.shuttingDown, .shuttingDown), (.storage, .storageUnavailable),
        ]
        for (broker, wire) in cases {
            #expect(WireErrors.code(for: BrokerError(code: broker, message: "x")) == wire, "\(broker)")
            #expect(wire.info != nil, "\(wire) is in the registry")
        }
    }

    @Test("storage errors inside broker errors map by their own code")
    func storageCodes() {
        let overloaded = BrokerError(code: .storage, message: "x", storageError: LogError(code: .overloaded, message: "y"))
        #expect(WireErrors.code(for: overloaded) == .storageUnavailable)
        let closed = BrokerError(code: .storage, message: "x", storageError: LogError(code: .closed, message: "y"))
        #expect(WireErrors.code(for: closed) == .shuttingDown)
        #expect(WireErrors.code(for: LogError(code: .offsetOutOfRange, message: "z")) == .offsetOutOfRange)
        #expect(WireErrors.code(for: LogError(code: .io, message: "z")) == .storageUnavailable)
    }

    @Test("admin statuses follow the admin API contract")
    func httpStatuses() {
        #expect(WireErrors.httpStatus(for: .topicNotFound).code == 404)
        #expect(WireErrors.httpStatus(for: .consumerNotFound).code == 404)
        #expect(WireErrors.httpStatus(for: .topicExists).code == 409)
        #expect(WireErrors.httpStatus(for: .consumerBusy).code == 409)
        #expect(WireErrors.httpStatus(for: .invalidTopic).code == 400)
        #expect(WireErrors.httpStatus(for: .offsetOutOfRange).code == 400)
        #expect(WireErrors.httpStatus(for: .storageUnavailable).code == 503)
        #expect(WireErrors.httpStatus(for: .shuttingDown).code == 503)
        #expect(WireErrors.httpStatus(for: .internal).code == 500)
    }
}
