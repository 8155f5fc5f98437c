import RoostBroker
import Testing

@Suite(.timeLimit(.minutes(1))) struct ConsumerMetricsTests {
    @Test func ephemeralConsumersShareOneLabelAndLeaveNothingBehind() throws {
        let metrics = RecordingMetricsFactory()
        let fixture = try BrokerFixture(metricsFactory: metrics)
        try fixture.broker.createTopic("events")
        let request = SubscriptionRequest(filter: "events", start: .latest)
        let subscriptions = try (0..<50).map { _ in try fixture.subscribe(request).0 }
        let labelled = metrics.instruments.keys.filter { $0.hasPrefix("roost_broker_") }
        #expect(Set(labelled) == [
            "roost_broker_redeliveries_total{consumer=~ephemeral}", "roost_broker_dead_letters_total{consumer=~ephemeral}",
            "roost_broker_damaged_offsets_skipped_total{}",
        ])
        for subscription in subscriptions { subscription.close() }
        #expect(metrics.instruments.keys.filter { $0.contains("consumer=~") && !$0.contains("~ephemeral") }.isEmpty)
    }

    @Test func aDeletedDurableConsumerLosesItsInstruments() throws {
        let metrics = RecordingMetricsFactory()
        let fixture = try BrokerFixture(metricsFactory: metrics)
        try fixture.broker.createTopic("events")
        let (subscription, _) = try fixture.subscribe(SubscriptionRequest(filter: "events", consumer: "audit", start: .earliest))
        #expect(metrics.instruments.keys.filter { $0.contains("consumer=audit") }.count == 4)
        subscription.close()
        #expect(metrics.instruments.keys.filter { $0.contains("consumer=audit") }.count == 4, "a detached durable consumer stays")
        try fixture.broker.deleteConsumer("audit")
        #expect(metrics.instruments.keys.filter { $0.contains("consumer=audit") }.isEmpty)
    }
}
