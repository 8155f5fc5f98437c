import NIOConcurrencyHelpers
import RoostProtocol

/// The shared state of one subscription: its bounded buffer of events, the one waiting consumer, the
/// server's current id for it, and where to resume. Filled on the event loop, drained by the iterating task.
///
/// The buffer is bounded by flow control, not by dropping: the broker sends at most `maxInflight`
/// messages beyond what the client has granted, and the client grants credit only as the application
/// consumes (ack policy none) or acks (explicit). After a reconnect a new grant starts, so an ack-none
/// buffer may briefly hold up to twice `maxInflight`.
final class SubscriptionCore: Sendable {
    let options: SubscriptionOptions
    private let state = NIOLockedValueBox(State())

    private struct State {
        var events: [SubscriptionEvent] = []
        var head = 0
        var waiter: CheckedContinuation<SubscriptionEvent?, any Error>?
        var consumedSinceCredit = 0
        /// Credit earned by a consumption that could not return it to its caller directly.
        var creditDue = 0
        var sub: String?
        var failure: RoostClientError?
        var finished = false
        /// Next offset to ask for when an ephemeral subscription on one topic is reopened.
        var resumeOffset: Int64?

        var count: Int { events.count - head }

        mutating func popFirst() -> SubscriptionEvent? {
            guard head < events.count else { return nil }
            let event = events[head]
            head += 1
            if head == events.count {
                events.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024 && head * 2 >= events.count {
                events.removeFirst(head)
                head = 0
            }
            return event
        }
    }

    init(options: SubscriptionOptions) {
        self.options = options
    }

    private var creditThreshold: Int { max(1, options.maxInflight / 2) }
    private var isSingleTopic: Bool { !options.topic.contains("*") && !options.topic.contains(">") }

    /// The server id of the subscription on the current connection, if attached.
    var sub: String? { state.withLockedValue { $0.sub } }

    func attached(sub: String) {
        state.withLockedValue { $0.sub = sub }
    }

    /// The subscribe frame for (re)opening after a reconnect: a durable consumer resumes from its stored
    /// position; an ephemeral one on a single topic continues after the last message it received.
    func resubscribeFrame(id: RequestID) -> SubscribeFrame {
        let resume = state.withLockedValue { $0.resumeOffset }
        let from: StartPosition? = options.consumer == nil && isSingleTopic ? resume.map { .offset($0) } : nil
        return options.frame(id: id, from: from)
    }

    /// Appends events from one frame; returns credit to grant when the events were consumed at once.
    func push(_ new: [SubscriptionEvent]) -> Int? {
        guard !new.isEmpty else { return nil }
        let explicit = options.ack == .explicit
        let (waiter, first, credit) = state.withLockedValue { state -> (CheckedContinuation<SubscriptionEvent?, any Error>?, SubscriptionEvent?, Int?) in
            guard !state.finished else { return (nil, nil, nil) }
            if !explicit, case .message(let last) = new.last(where: { if case .message = $0 { true } else { false } }) {
                state.resumeOffset = last.offset + 1
            }
            var rest = new[...]
            var handed: SubscriptionEvent?
            var waiter: CheckedContinuation<SubscriptionEvent?, any Error>?
            if let w = state.waiter, state.count == 0, let event = rest.popFirst() {
                waiter = w
                state.waiter = nil
                handed = event
            }
            state.events.append(contentsOf: rest)
            var credit: Int?
            if let handed { credit = consumed(handed, &state) }
            return (waiter, handed, credit)
        }
        waiter?.resume(returning: first)
        return credit
    }

    /// The next event for the iterating task; `nil` at the end. Returns credit to grant alongside.
    func next() async throws -> (SubscriptionEvent?, Int?) {
        let immediate = try state.withLockedValue { state throws -> (SubscriptionEvent, Int?)?? in
            if let event = state.popFirst() { return .some((event, consumed(event, &state))) }
            if let failure = state.failure { throw failure }
            if state.finished { return .some(nil) }
            return nil
        }
        if let immediate { return (immediate?.0, immediate?.1) }
        let event = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<SubscriptionEvent?, any Error>) in
                let resumeNow = state.withLockedValue { state -> Result<SubscriptionEvent?, any Error>? in
                    if let event = state.popFirst() {
                        state.creditDue += consumed(event, &state) ?? 0
                        return .success(event)
                    }
                    if let failure = state.failure { return .failure(failure) }
                    if state.finished || Task.isCancelled { return .success(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
        let credit = state.withLockedValue { state -> Int? in
            defer { state.creditDue = 0 }
            return state.creditDue > 0 ? state.creditDue : nil
        }
        return (event, credit)
    }

    /// Counts a consumed message for ack policy none; returns the credit to grant when the count reaches
    /// half of `maxInflight` (granting in chunks keeps credit frames rare).
    private func consumed(_ event: SubscriptionEvent, _ state: inout State) -> Int? {
        guard case .message(let message) = event else { return nil }
        if options.ack == .explicit { state.resumeOffset = message.offset + 1 }
        guard options.ack == .none, message.sub == state.sub else { return nil }
        state.consumedSinceCredit += 1
        guard state.consumedSinceCredit >= creditThreshold else { return nil }
        defer { state.consumedSinceCredit = 0 }
        return state.consumedSinceCredit
    }

    /// The connection dropped: the server id is gone, and explicit-ack messages not yet handed to the
    /// application are dropped because the broker redelivers them (keeping them would duplicate them).
    func connectionLost() {
        state.withLockedValue { state in
            state.sub = nil
            state.consumedSinceCredit = 0
            guard options.ack == .explicit else { return }
            state.events = state.events[state.head...].filter { if case .message = $0 { false } else { true } }
            state.head = 0
        }
    }

    /// Ends the sequence: buffered events are still delivered, then `nil` (or `error`, thrown).
    func finish(_ error: RoostClientError? = nil) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<SubscriptionEvent?, any Error>? in
            state.finished = true
            if state.failure == nil { state.failure = error }
            defer { state.waiter = nil }
            return state.waiter
        }
        if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: nil) }
    }
}
