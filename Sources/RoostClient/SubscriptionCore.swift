import NIOConcurrencyHelpers
import RoostProtocol

/// The shared state of one subscription: its bounded buffer of events, the one waiting consumer, the
/// server's current id for it, and where to resume. Filled on the event loop, drained by the iterating task.
///
/// The buffer is bounded by flow control, not by dropping. Explicit acks: the broker sends at most
/// `maxInflight` unacked messages, and buffered ones are dropped on disconnect (the broker redelivers them).
/// Ack policy none: the subscription manages credit (the subscribe frame's `credit`), so that
/// buffered + consumed-not-yet-credited + the broker's credit + messages on the wire = `maxInflight` at all
/// times; a resubscribe after a reconnect asks for `maxInflight` minus what is still buffered, and every
/// consumed message counts, whichever connection brought it. So the buffer never holds more than
/// `maxInflight` messages.
final class SubscriptionCore: Sendable {
    let options: SubscriptionOptions
    private let state = NIOLockedValueBox(State())

    private struct State {
        var events: [SubscriptionEvent] = []
        var head = 0
        var waiter: CheckedContinuation<SubscriptionEvent?, any Error>?
        /// Ack policy none: messages consumed whose credit is not yet returned to the broker.
        var consumedSinceCredit = 0
        /// Counts attach and detach events, so that credit computed for one attachment is never sent to the
        /// next (sub names are per connection: `s1` on the new connection may be another subscription).
        var attachment: UInt64 = 0
        /// Messages (not markers) in `events[head...]`, and the most there ever were (for tests).
        var buffered = 0
        var peakBuffered = 0
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
            if case .message = event { buffered -= 1 }
            if head == events.count {
                events.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024 && head * 2 >= events.count {
                events.removeFirst(head)
                head = 0
            }
            return event
        }

        mutating func append(_ new: ArraySlice<SubscriptionEvent>) {
            events.append(contentsOf: new)
            for case .message in new { buffered += 1 }
            peakBuffered = max(peakBuffered, buffered)
        }
    }

    init(options: SubscriptionOptions) {
        self.options = options
    }

    private var window: Int { max(1, options.maxInflight) }
    private var creditThreshold: Int { max(1, window / 2) }
    private var isSingleTopic: Bool { !options.topic.contains("*") && !options.topic.contains(">") }

    /// The server id of the subscription on the current connection, if attached.
    var sub: String? { state.withLockedValue { $0.sub } }

    /// Most messages buffered at once so far.
    var peakBuffered: Int { state.withLockedValue { $0.peakBuffered } }

    /// The broker confirmed the subscription as `sub`. Returns credit to grant now: what the application
    /// consumed while the subscribe was on its way, if that reached the threshold (otherwise a subscription
    /// that started with no credit and whose buffer was emptied meanwhile would wait forever).
    func attached(sub: String) -> CreditGrant? {
        state.withLockedValue { state in
            state.sub = sub
            state.attachment += 1
            guard options.ack == .none, state.consumedSinceCredit >= creditThreshold else { return nil }
            defer { state.consumedSinceCredit = 0 }
            return CreditGrant(sub: sub, attachment: state.attachment, n: state.consumedSinceCredit)
        }
    }

    /// The subscribe frame, first or after a reconnect: a durable consumer resumes from its stored position;
    /// an ephemeral one on a single topic continues after the last message it received. With ack policy
    /// none the frame asks for `maxInflight` minus the messages still buffered as initial credit.
    func subscribeFrame(id: RequestID) -> SubscribeFrame {
        let (resume, credit) = state.withLockedValue { state -> (Int64?, Int?) in
            guard options.ack == .none else { return (state.resumeOffset, nil) }
            state.consumedSinceCredit = 0
            return (state.resumeOffset, max(0, window - state.buffered))
        }
        let from: StartPosition? = options.consumer == nil && isSingleTopic ? resume.map { .offset($0) } : nil
        return options.frame(id: id, from: from, credit: credit)
    }

    /// Appends events from one frame, or hands the first to the waiting task. Credit is counted when the
    /// iterating task takes an event (in ``next()``), never here.
    func push(_ new: [SubscriptionEvent]) {
        guard !new.isEmpty else { return }
        let explicit = options.ack == .explicit
        let (waiter, first) = state.withLockedValue { state -> (CheckedContinuation<SubscriptionEvent?, any Error>?, SubscriptionEvent?) in
            guard !state.finished else { return (nil, nil) }
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
            state.append(rest)
            return (waiter, handed)
        }
        waiter?.resume(returning: first)
    }

    /// The next event for the iterating task; `nil` at the end. Returns credit to grant alongside.
    func next() async throws -> (SubscriptionEvent?, CreditGrant?) {
        let immediate = try state.withLockedValue { state throws -> (SubscriptionEvent, CreditGrant?)?? in
            if let event = state.popFirst() { return .some((event, consumed(event, &state))) }
            if let failure = state.failure { throw failure }
            if state.finished { return .some(nil) }
            return nil
        }
        if let immediate { return (immediate?.0, immediate?.1) }
        let event = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<SubscriptionEvent?, any Error>) in
                let resumeNow = state.withLockedValue { state -> Result<SubscriptionEvent?, any Error>? in
                    if let event = state.popFirst() { return .success(event) }
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
        guard let event else { return (nil, nil) }
        return (event, state.withLockedValue { consumed(event, &$0) })
    }

    /// Credit to send for one attachment of the subscription: dropped if the subscription has been
    /// detached or reattached since (``isCurrent(_:)``), because the next subscribe frame accounts for it.
    struct CreditGrant: Sendable, Equatable {
        let sub: String
        let attachment: UInt64
        let n: Int
    }

    /// Whether `grant` is for the subscription's current attachment. Called under the client's lock, so
    /// that the check and queueing the credit frame are atomic with respect to reconnects.
    func isCurrent(_ grant: CreditGrant) -> Bool {
        state.withLockedValue { $0.sub == grant.sub && $0.attachment == grant.attachment }
    }

    /// Counts a consumed message for ack policy none (whichever connection brought it); returns the credit
    /// to grant when the count reaches half of `maxInflight` (granting in chunks keeps credit frames rare)
    /// and the subscription is attached (until then the count waits; see ``attached(sub:)``).
    private func consumed(_ event: SubscriptionEvent, _ state: inout State) -> CreditGrant? {
        guard case .message(let message) = event else { return nil }
        if options.ack == .explicit { state.resumeOffset = message.offset + 1 }
        guard options.ack == .none else { return nil }
        state.consumedSinceCredit += 1
        guard let sub = state.sub, state.consumedSinceCredit >= creditThreshold else { return nil }
        defer { state.consumedSinceCredit = 0 }
        return CreditGrant(sub: sub, attachment: state.attachment, n: state.consumedSinceCredit)
    }

    /// The connection dropped: the server id is gone, and explicit-ack messages not yet handed to the
    /// application are dropped because the broker redelivers them (keeping them would duplicate them).
    func connectionLost() {
        state.withLockedValue { state in
            state.sub = nil
            state.attachment += 1
            guard options.ack == .explicit else { return }
            state.events = state.events[state.head...].filter { if case .message = $0 { false } else { true } }
            state.head = 0
            state.buffered = 0
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
