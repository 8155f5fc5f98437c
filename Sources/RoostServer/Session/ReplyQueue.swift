import NIOCore
import RoostProtocol

/// The replies of one connection in request order: the protocol promises that confirms come in the order of
/// the requests, while publish confirms complete on storage threads in any order across topics.
///
/// Each request that may answer takes a slot (`reserve`); its answer fills the slot (`fill`), possibly with
/// nothing (a fire-and-forget publish that succeeded); `popReady` releases the answers at the head that are
/// complete. A pure value, owned by the session on its event loop.
struct ReplyQueue {
    /// One reply on its way out, and what releasing it unblocks.
    struct Reply {
        var frame: ServerFrame?
        /// A subscription whose deliveries wait until this `ok` is written (the `ok` announces `sub`).
        var opensSubscription: Int?
    }

    private enum Slot {
        case waiting(bytes: Int)
        case ready(Reply)
    }

    /// No storage while nothing waits: most connections (subscribers) never have a reply waiting.
    private var slots = LazyQueue<Slot>()
    private var head: UInt64 = 0

    /// Reserved slots not yet filled (requests waiting for storage).
    private(set) var waitingCount = 0
    /// Payload bytes of the requests waiting for storage.
    private(set) var waitingBytes = 0

    /// Whether nothing is waiting or ready.
    var isEmpty: Bool { slots.isEmpty }
    /// Whether slot storage is held (none while empty).
    var holdsStorage: Bool { slots.holdsStorage }

    /// Takes the next slot for a request whose answer comes later; `bytes` counts against the pending limit.
    mutating func reserve(bytes: Int) -> UInt64 {
        slots.append(.waiting(bytes: bytes))
        waitingCount += 1
        waitingBytes += bytes
        return head + UInt64(slots.count - 1)
    }

    /// Appends an answer that is ready now; it goes out after every earlier one.
    mutating func append(_ reply: Reply) {
        slots.append(.ready(reply))
    }

    /// Fills the slot `sequence` took. Unknown or filled slots are ignored.
    mutating func fill(_ sequence: UInt64, with reply: Reply) {
        guard sequence >= head, sequence - head < UInt64(slots.count) else { return }
        let offset = Int(sequence - head)
        guard case .waiting(let bytes)? = slots[offset: offset] else { return }
        slots[offset: offset] = .ready(reply)
        waitingCount -= 1
        waitingBytes -= bytes
    }

    /// Removes and returns the complete answers at the head, in request order.
    mutating func popReady() -> [Reply] {
        var replies: [Reply] = []
        while let first = slots.first, case .ready(let reply) = first {
            slots.removeFirst()
            head += 1
            replies.append(reply)
        }
        return replies
    }
}
