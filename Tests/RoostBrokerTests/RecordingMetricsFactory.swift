import CoreMetrics
import NIOConcurrencyHelpers

/// A metrics backend that only keeps which instruments exist (made and not destroyed), by label and dimensions.
final class RecordingMetricsFactory: MetricsFactory, Sendable {
    private final class Handler: CounterHandler, FloatingPointCounterHandler, RecorderHandler, TimerHandler, MeterHandler,
        Sendable
    {
        let key: String
        init(key: String) { self.key = key }
        func increment(by: Int64) {}
        func increment(by: Double) {}
        func reset() {}
        func record(_ value: Int64) {}
        func record(_ value: Double) {}
        func recordNanoseconds(_ duration: Int64) {}
        func set(_ value: Int64) {}
        func set(_ value: Double) {}
        func decrement(by: Double) {}
    }

    private let live = NIOLockedValueBox<[String: Int]>([:])

    /// `label{name=value,...}` of every live instrument, with how many handles to it exist.
    var instruments: [String: Int] { live.withLockedValue { $0 } }

    private func make(_ label: String, _ dimensions: [(String, String)]) -> Handler {
        let key = label + "{" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
        live.withLockedValue { $0[key, default: 0] += 1 }
        return Handler(key: key)
    }

    private func destroy(_ handler: Any) {
        guard let handler = handler as? Handler else { return }
        live.withLockedValue { live in
            live[handler.key, default: 0] -= 1
            if live[handler.key] == 0 { live[handler.key] = nil }
        }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { make(label, dimensions) }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        make(label, dimensions)
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        make(label, dimensions)
    }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { make(label, dimensions) }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { make(label, dimensions) }
    func destroyCounter(_ handler: any CounterHandler) { destroy(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { destroy(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { destroy(handler) }
    func destroyMeter(_ handler: any MeterHandler) { destroy(handler) }
    func destroyTimer(_ handler: any TimerHandler) { destroy(handler) }
}
