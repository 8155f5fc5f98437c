import NIOHTTP1
import RoostBroker
import RoostProtocol
import RoostStorage

/// The one table that turns broker, storage and protocol errors into stable wire error codes (WebSocket
/// `error` frames) and HTTP statuses (admin API). The broker and the log know nothing of the wire; this is
/// the boundary where their codes become the protocol's (Docs/protocol.md, "Error codes").
public enum WireErrors {
    /// The wire code for a broker error; storage failures go through ``code(for:)-(LogError)``.
    public static func code(for error: BrokerError) -> ErrorCode {
        switch error.code {
        case .invalidTopicName, .invalidPattern, .reservedTopicName: return .invalidTopic
        case .topicNotFound: return .topicNotFound
        case .topicExists: return .topicExists
        case .messageTooLarge: return .messageTooLarge
        case .batchTooLarge: return .batchTooLarge
        case .emptyBatch, .invalidConfiguration, .invalidConsumerName: return .invalidField
        case .consumerNotFound: return .consumerNotFound
        case .consumerMismatch, .consumerBusy, .tooManyMembers: return .consumerBusy
        case .subscriptionClosed: return .unknownSubscription
        // An ack or nack for an offset that is not in flight: outside the range the consumer may settle.
        case .notInFlight: return .offsetOutOfRange
        case .shuttingDown: return .shuttingDown
        case .storage: return error.storageError.map { code(for: $0) } ?? .storageUnavailable
        default: return .internal
        }
    }

    /// The wire code for a log error.
    public static func code(for error: LogError) -> ErrorCode {
        switch error.code {
        case .offsetOutOfRange: return .offsetOutOfRange
        case .alreadyExists: return .topicExists
        case .notFound: return .topicNotFound
        case .recordTooLarge: return .messageTooLarge
        case .invalidConfiguration: return .invalidField
        case .invalidName: return .invalidTopic
        case .closed: return .shuttingDown
        case .io, .corrupt, .overloaded: return .storageUnavailable
        default: return .storageUnavailable
        }
    }

    /// The wire code for any error thrown below the server.
    public static func code(for error: any Error) -> ErrorCode {
        if let error = error as? BrokerError { return code(for: error) }
        if let error = error as? LogError { return code(for: error) }
        if let error = error as? ProtocolError { return error.code }
        return .internal
    }

    /// The HTTP status an admin response carries for a wire code (see /work/briefs/admin-api.md).
    public static func httpStatus(for code: ErrorCode) -> HTTPResponseStatus {
        switch code {
        case .topicNotFound, .consumerNotFound: return .notFound
        case .topicExists, .consumerBusy: return .conflict
        case .messageTooLarge, .batchTooLarge: return .payloadTooLarge
        case .storageUnavailable, .shuttingDown: return .serviceUnavailable
        case .rateLimited, .tooManyConnections: return .tooManyRequests
        case .unauthorized: return .unauthorized
        case .forbidden: return .forbidden
        case .internal: return .internalServerError
        default: return .badRequest
        }
    }

    /// The admin API's error for anything a route handler caught.
    public static func httpError(_ error: any Error) -> HTTPRouteError {
        if let error = error as? HTTPRouteError { return error }
        let code = code(for: error)
        return HTTPRouteError(status: httpStatus(for: code), code: code.rawValue, message: message(for: error))
    }

    /// The human part of an error, without its code.
    public static func message(for error: any Error) -> String {
        if let error = error as? BrokerError { return error.message }
        if let error = error as? LogError { return error.message }
        if let error = error as? ProtocolError { return error.message }
        return "\(error)"
    }
}
