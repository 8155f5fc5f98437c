import NIOConcurrencyHelpers

/// Collects the per-message outcomes of one publish call (its own append, plus the appends of earlier calls
/// that hold the same dedup ids) and completes the call once, when all are known.
final class PublishJoin: Sendable {
    private struct State {
        var results: [PublishedMessage?]
        var remaining: Int
        var error: BrokerError?
        var durable = true
    }

    private let topic: String
    private let completion: @Sendable (Result<PublishConfirm, BrokerError>) -> Void
    private let state: NIOLockedValueBox<State>

    init(topic: String, count: Int, completion: @escaping @Sendable (Result<PublishConfirm, BrokerError>) -> Void) {
        self.topic = topic
        self.completion = completion
        self.state = NIOLockedValueBox(State(results: Array(repeating: nil, count: count), remaining: count))
    }

    /// Records the outcome of message `index`; `durable` is `false` if it was appended without an fsync.
    func set(_ index: Int, _ result: Result<PublishedMessage, BrokerError>, durable: Bool = true) {
        let finished: Result<PublishConfirm, BrokerError>? = state.withLockedValue { state in
            guard state.results[index] == nil, state.remaining > 0 else { return nil }
            switch result {
            case .success(let message): state.results[index] = message
            case .failure(let error): state.error = state.error ?? error
            }
            state.durable = state.durable && durable
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            if let error = state.error { return .failure(error) }
            return .success(PublishConfirm(topic: topic, messages: state.results.compactMap { $0 }, durable: state.durable))
        }
        if let finished { completion(finished) }
    }
}
