import Foundation

/// The result of a `roost bench` run, printed as text or JSON.
struct BenchReport {
    var scenario: String
    var options: LoadOptions
    var subscribers = 0
    var seconds: Double
    var sent = 0
    var confirmed = 0
    var received = 0
    var receivedBytes = 0
    var errors = 0
    var latencyLabel: String
    var latency: LatencyHistogram

    private var messages: Int { scenario == "sub" || (scenario == "e2e" && received > 0) ? received : confirmed }
    var messagesPerSecond: Double { seconds > 0 ? Double(messages) / seconds : 0 }
    var megabytesPerSecond: Double { messagesPerSecond * Double(options.size) / 1e6 }

    private func micros(_ q: Double) -> Double { Double(latency.value(atQuantile: q)) / 1000 }

    func print() {
        if options.json {
            var object: [String: Any] = [
                "scenario": scenario, "connections": options.connections, "subscribers": subscribers,
                "size": options.size, "window": options.window, "rate": options.rate, "encoding": options.encoding,
                "seconds": seconds, "sent": sent, "confirmed": confirmed, "received": received, "errors": errors,
                "msgs_per_s": messagesPerSecond, "mb_per_s": megabytesPerSecond,
            ]
            if latency.count > 0 {
                object["latency"] = latencyLabel
                object["latency_us"] = [
                    "p50": micros(0.5), "p90": micros(0.9), "p99": micros(0.99), "p99_9": micros(0.999),
                    "max": Double(latency.max) / 1000, "count": latency.count,
                ]
            }
            Output.json(object)
            return
        }
        Swift.print("\(scenario): \(options.connections) connection(s)\(subscribers > 0 ? ", \(subscribers) subscriber(s)" : ""), \(options.size) B messages, window \(options.window), \(options.rate > 0 ? "\(options.rate) msgs/s" : "max rate"), \(options.encoding), \(String(format: "%.2f", seconds)) s")
        Swift.print("  sent \(LoadRun.group(sent))  confirmed \(LoadRun.group(confirmed))  received \(LoadRun.group(received))  errors \(errors)")
        Swift.print(String(format: "  rate %@ msgs/s  %.1f MB/s", LoadRun.group(Int(messagesPerSecond)), megabytesPerSecond))
        if latency.count > 0 {
            Swift.print(String(
                format: "  latency (%@) p50 %.0f us  p90 %.0f us  p99 %.0f us  p99.9 %.0f us  max %.0f us",
                latencyLabel, micros(0.5), micros(0.9), micros(0.99), micros(0.999), Double(latency.max) / 1000))
        }
    }
}
