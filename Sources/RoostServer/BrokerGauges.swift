import CoreMetrics
import Dispatch
import RoostBroker
import Synchronization

/// Broker state sampled on the server's timer into gauges, and the message rates of the stats route.
///
/// Metric names (Prometheus): `roost_topics`, `roost_consumers`, `roost_log_size_bytes`,
/// `roost_topic_end_offset{topic}`, `roost_topic_messages{topic}`, `roost_topic_size_bytes{topic}`,
/// `roost_consumer_lag{consumer}` (durable consumers only: ephemeral names come and go), `roost_messages_in_total`
/// and `roost_messages_out_total` (the broker's totals, every publish path and redeliveries included),
/// `roost_read_cache_bytes` and `roost_read_cache_chunks` (the broker's shared read cache).
final class BrokerGauges: Sendable {
    private struct Sample {
        var at: UInt64 = DispatchTime.now().uptimeNanoseconds
        var messagesIn: Int64 = 0
        var messagesOut: Int64 = 0
        var rateIn: Double = 0
        var rateOut: Double = 0
        var storageBytes: Int64 = 0
    }

    private let broker: Broker
    private let factory: any MetricsFactory
    private let started = DispatchTime.now().uptimeNanoseconds
    private let topics: Meter
    private let consumers: Meter
    private let logSize: Meter
    private let messagesIn: Counter
    private let messagesOut: Counter
    private let readCacheBytes: Meter
    private let readCacheChunks: Meter
    private let perTopic = Mutex<[String: (end: Meter, messages: Meter, size: Meter)]>([:])
    private let perConsumer = Mutex<[String: Meter]>([:])
    private let sample = Mutex(Sample())

    init(broker: Broker, factory: any MetricsFactory) {
        self.broker = broker
        self.factory = factory
        topics = Meter(label: "roost_topics", factory: factory)
        consumers = Meter(label: "roost_consumers", factory: factory)
        logSize = Meter(label: "roost_log_size_bytes", factory: factory)
        messagesIn = Counter(label: "roost_messages_in_total", factory: factory)
        messagesOut = Counter(label: "roost_messages_out_total", factory: factory)
        readCacheBytes = Meter(label: "roost_read_cache_bytes", factory: factory)
        readCacheChunks = Meter(label: "roost_read_cache_chunks", factory: factory)
    }

    /// Milliseconds since the server was assembled.
    var uptimeMilliseconds: Int64 { Int64((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000) }

    /// Messages per second in and out over the last refresh interval.
    func rates() -> (messagesIn: Double, messagesOut: Double) {
        sample.withLock { ($0.rateIn, $0.rateOut) }
    }

    /// Bytes of every topic log, as of now.
    func storageBytes() -> Int64 {
        broker.listTopics().reduce(0) { $0 + $1.sizeInBytes }
    }

    /// Reads the broker's topics, consumers and totals into the gauges and the rates.
    func refresh() {
        let topicList = broker.listTopics()
        let consumerList = broker.listConsumers()
        let stats = broker.stats()
        topics.set(topicList.count)
        consumers.set(consumerList.count)
        readCacheBytes.set(stats.readCacheBytes)
        readCacheChunks.set(stats.readCacheChunks)
        var total: Int64 = 0
        for topic in topicList {
            total += topic.sizeInBytes
            let meters = perTopic.withLock { meters in
                if let existing = meters[topic.name] { return existing }
                let dimensions = [("topic", topic.name)]
                let made = (
                    end: Meter(label: "roost_topic_end_offset", dimensions: dimensions, factory: factory),
                    messages: Meter(label: "roost_topic_messages", dimensions: dimensions, factory: factory),
                    size: Meter(label: "roost_topic_size_bytes", dimensions: dimensions, factory: factory))
                meters[topic.name] = made
                return made
            }
            meters.end.set(topic.endOffset)
            meters.messages.set(topic.messageCount)
            meters.size.set(topic.sizeInBytes)
        }
        logSize.set(total)
        for consumer in consumerList where consumer.durable {
            let meter = perConsumer.withLock { meters in
                if let existing = meters[consumer.name] { return existing }
                let made = Meter(label: "roost_consumer_lag", dimensions: [("consumer", consumer.name)], factory: factory)
                meters[consumer.name] = made
                return made
            }
            meter.set(consumer.lag)
        }
        let now = DispatchTime.now().uptimeNanoseconds
        let (deltaIn, deltaOut) = sample.withLock { sample in
            let seconds = Double(now - sample.at) / 1e9
            let deltaIn = stats.messagesIn - sample.messagesIn
            let deltaOut = stats.messagesOut - sample.messagesOut
            if seconds > 0 {
                sample.rateIn = Double(deltaIn) / seconds
                sample.rateOut = Double(deltaOut) / seconds
            }
            sample.at = now
            sample.messagesIn = stats.messagesIn
            sample.messagesOut = stats.messagesOut
            sample.storageBytes = total
            return (deltaIn, deltaOut)
        }
        if deltaIn > 0 { messagesIn.increment(by: Int(deltaIn)) }
        if deltaOut > 0 { messagesOut.increment(by: Int(deltaOut)) }
    }
}
