import RoostStorage

/// An error from the broker. A struct over a private enum so that cases can be added without breaking
/// users; match on `code`. The server maps codes to wire error codes at its boundary.
public struct BrokerError: Error, Hashable, CustomStringConvertible {
    /// Stable identity of a broker error. The raw values never change once released.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case invalidTopicName = "invalid_topic_name"
            case invalidPattern = "invalid_pattern"
            case reservedTopicName = "reserved_topic_name"
            case topicNotFound = "topic_not_found"
            case topicExists = "topic_exists"
            case messageTooLarge = "message_too_large"
            case batchTooLarge = "batch_too_large"
            case emptyBatch = "empty_batch"
            case reservedHeader = "reserved_header"
            case invalidConfiguration = "invalid_configuration"
            case invalidConsumerName = "invalid_consumer_name"
            case consumerNotFound = "consumer_not_found"
            case consumerMismatch = "consumer_mismatch"
            case consumerBusy = "consumer_busy"
            case tooManyMembers = "too_many_members"
            case subscriptionClosed = "subscription_closed"
            case notInFlight = "not_in_flight"
            case shuttingDown = "shutting_down"
            case storage
        }
        fileprivate let base: Base

        /// A topic name is empty, too long, or has a character or token outside the rules.
        public static let invalidTopicName = Code(base: .invalidTopicName)
        /// A subscription pattern is malformed (`>` not last, empty token, bad character).
        public static let invalidPattern = Code(base: .invalidPattern)
        /// Names starting with `$` belong to the broker (dead-letter topics).
        public static let reservedTopicName = Code(base: .reservedTopicName)
        /// No such topic (and auto-create is off, or the operation never creates).
        public static let topicNotFound = Code(base: .topicNotFound)
        /// A topic of that name exists already.
        public static let topicExists = Code(base: .topicExists)
        /// A message is larger than `BrokerConfiguration.maxMessageBytes`.
        public static let messageTooLarge = Code(base: .messageTooLarge)
        /// A publish call has more messages or bytes than `maxBatchMessages` / `maxBatchBytes`.
        public static let batchTooLarge = Code(base: .batchTooLarge)
        /// A publish call with no message.
        public static let emptyBatch = Code(base: .emptyBatch)
        /// A published message sets a header the broker owns (`roost-dedup-id`).
        public static let reservedHeader = Code(base: .reservedHeader)
        /// A configuration value is out of range.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// A consumer name breaks the rules (same as a topic token: `[A-Za-z0-9_-]`, 1...128 bytes, dots allowed).
        public static let invalidConsumerName = Code(base: .invalidConsumerName)
        /// No durable consumer of that name.
        public static let consumerNotFound = Code(base: .consumerNotFound)
        /// A subscription names a durable consumer whose topic, pattern or ack policy differs.
        public static let consumerMismatch = Code(base: .consumerMismatch)
        /// The operation needs a consumer with no attached member (reset, delete).
        public static let consumerBusy = Code(base: .consumerBusy)
        /// A durable consumer has `maxMembersPerConsumer` members already.
        public static let tooManyMembers = Code(base: .tooManyMembers)
        /// The subscription was closed.
        public static let subscriptionClosed = Code(base: .subscriptionClosed)
        /// An ack or nack names an offset that this consumer has not in flight.
        public static let notInFlight = Code(base: .notInFlight)
        /// The broker is shutting down or shut down.
        public static let shuttingDown = Code(base: .shuttingDown)
        /// The log failed (see `storageError`).
        public static let storage = Code(base: .storage)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let code: Code
    /// A human description with the details.
    public let message: String
    /// For `storage`: the log's error.
    public let storageError: LogError?

    public init(code: Code, message: String, storageError: LogError? = nil) {
        self.code = code
        self.message = message
        self.storageError = storageError
    }

    public var description: String { "\(code): \(message)" }

    /// Wraps any error thrown by the log.
    static func storage(_ error: any Error, _ context: String) -> BrokerError {
        if let error = error as? BrokerError { return error }
        let logError = error as? LogError
        return BrokerError(code: .storage, message: "\(context): \(error)", storageError: logError)
    }
}
