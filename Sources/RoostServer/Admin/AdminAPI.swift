import Dispatch
import Foundation
import NIOCore
import NIOHTTP1
import RoostBroker
import RoostStorage

/// The admin JSON API of /work/briefs/admin-api.md (topics, consumers, stats) as ``HTTPRouter`` routes. Every
/// broker call that may touch the disk (topic create/alter/delete, consumer reset and delete) runs in an async
/// route on the API's own serial queue, neither on the event loop nor on Swift's cooperative pool (blocking
/// there starves every async task); the others read memory only. Errors become `{"error":{"code","message"}}`
/// with the status of ``WireErrors/httpStatus(for:)``.
struct AdminAPI: Sendable {
    let broker: Broker
    let statistics: ServerStatistics
    let gauges: BrokerGauges
    let sessionDefaults: SessionConfiguration
    /// Open TCP connections (the transport's count).
    let connections: @Sendable () -> Int
    /// Where the routes that do file I/O run: serial, so it gets a thread of its own while it blocks, and admin
    /// changes are carried out one at a time.
    private let blockingQueue = DispatchQueue(label: "roost.admin")

    /// The routes, to append to the server's router.
    var router: HTTPRouter {
        var router = HTTPRouter()
        let api = self
        router.add(.GET, "/v1/admin/topics") { _ in
            try api.json(["topics": api.broker.listTopics().map(AdminTopic.init)])
        }
        router.add(.POST, "/v1/admin/topics", async: { request in try await api.offloaded { try api.createTopic(request) } })
        router.add(.GET, "/v1/admin/topics/:name") { request in
            try api.guarded { try api.json(AdminTopic(try api.broker.describeTopic(api.parameter(request, "name")))) }
        }
        router.add(.PATCH, "/v1/admin/topics/:name", async: { request in try await api.offloaded { try api.alterTopic(request) } })
        router.add(.DELETE, "/v1/admin/topics/:name", async: { request in
            try await api.offloaded {
                try api.guarded {
                    try api.broker.deleteTopic(api.parameter(request, "name"))
                    return HTTPRouteResponse(status: .noContent)
                }
            }
        })
        router.add(.GET, "/v1/admin/consumers") { _ in
            try api.json(["consumers": api.broker.listConsumers().map(api.consumer)])
        }
        router.add(.GET, "/v1/admin/consumers/:name") { request in
            try api.guarded { try api.json(api.consumer(try api.broker.describeConsumer(api.parameter(request, "name")))) }
        }
        router.add(.POST, "/v1/admin/consumers/:name/reset", async: { request in try await api.offloaded { try api.resetConsumer(request) } })
        router.add(.DELETE, "/v1/admin/consumers/:name", async: { request in try await api.offloaded { try api.deleteConsumer(request) } })
        router.add(.GET, "/v1/admin/stats") { _ in try api.json(api.stats()) }
        return router
    }

    // MARK: Routes

    private func createTopic(_ request: HTTPRouteRequest) throws -> HTTPRouteResponse {
        let body = try decode(AdminCreateTopic.self, request)
        return try guarded {
            let configuration = try body.config?.applied(to: broker.configuration.defaultTopicConfiguration)
            return try json(AdminTopic(try broker.createTopic(body.name, configuration: configuration)), status: .created)
        }
    }

    private func alterTopic(_ request: HTTPRouteRequest) throws -> HTTPRouteResponse {
        let name = try parameter(request, "name")
        let body = try decode(AdminAlterTopic.self, request)
        return try guarded {
            let current = try broker.describeTopic(name)
            guard let patch = body.config else { return try json(AdminTopic(current)) }
            return try json(AdminTopic(try broker.alterTopic(name, configuration: try patch.applied(to: current.configuration))))
        }
    }

    private func resetConsumer(_ request: HTTPRouteRequest) throws -> HTTPRouteResponse {
        let name = try parameter(request, "name")
        let body = try decode(AdminResetConsumer.self, request)
        return try guarded {
            let consumer = try broker.describeConsumer(name)
            guard consumer.members == 0 else {
                throw BrokerError(code: .consumerBusy, message: "consumer '\(name)' has \(consumer.members) attached members")
            }
            if let topic = body.topic {
                try broker.resetConsumer(name, to: body.position, topic: topic)
            } else {
                try broker.resetConsumer(name, to: body.position)
            }
            return try json(self.consumer(try broker.describeConsumer(name)))
        }
    }

    private func deleteConsumer(_ request: HTTPRouteRequest) throws -> HTTPRouteResponse {
        let name = try parameter(request, "name")
        return try guarded {
            let consumer = try broker.describeConsumer(name)
            guard consumer.members == 0 else {
                throw BrokerError(code: .consumerBusy, message: "consumer '\(name)' has \(consumer.members) attached members")
            }
            try broker.deleteConsumer(name)
            return HTTPRouteResponse(status: .noContent)
        }
    }

    private func stats() -> AdminStats {
        let broker = self.broker.stats()
        let rates = gauges.rates()
        return AdminStats(
            uptimeMs: gauges.uptimeMilliseconds, connections: connections(), subscriptions: broker.subscriptions,
            topics: broker.topics, consumers: broker.consumers, messagesIn: broker.messagesIn,
            messagesOut: broker.messagesOut, bytesIn: statistics.bytesIn, bytesOut: statistics.bytesOut,
            storageBytes: gauges.storageBytes(),
            rates: .init(messagesInPerS: rates.messagesIn, messagesOutPerS: rates.messagesOut))
    }

    // MARK: Helpers

    private func consumer(_ description: ConsumerDescription) -> AdminConsumer {
        AdminConsumer(description, maxInflight: broker.consumerMaxInFlight(description.name) ?? sessionDefaults.defaultMaxInFlight)
    }

    /// Runs `body` on ``blockingQueue`` and returns its answer.
    private func offloaded(_ body: @escaping @Sendable () throws -> HTTPRouteResponse) async throws -> HTTPRouteResponse {
        try await withCheckedThrowingContinuation { continuation in
            blockingQueue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body`, turning broker and log errors into admin errors (and counting them).
    private func guarded(_ body: () throws -> HTTPRouteResponse) throws -> HTTPRouteResponse {
        do {
            return try body()
        } catch {
            let routeError = WireErrors.httpError(error)
            statistics.error(code: routeError.code)
            throw routeError
        }
    }

    /// A path parameter, percent-decoded (`%24dlq.billing` is `$dlq.billing`).
    private func parameter(_ request: HTTPRouteRequest, _ name: String) throws -> String {
        guard let raw = request.parameters[name], let value = raw.removingPercentEncoding, !value.isEmpty else {
            throw HTTPRouteError.badRequest("bad path parameter '\(name)'")
        }
        return value
    }

    private func decode<Body: Decodable>(_ type: Body.Type, _ request: HTTPRouteRequest) throws -> Body {
        let bytes = request.body.readableBytes == 0 ? Data("{}".utf8) : Data(request.body.readableBytesView)
        do {
            return try JSONDecoder().decode(Body.self, from: bytes)
        } catch let error as HTTPRouteError {
            throw error
        } catch DecodingError.keyNotFound(let key, _) {
            throw HTTPRouteError.badRequest("missing field '\(key.stringValue)'", code: "invalid_field")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw HTTPRouteError.badRequest("field '\(field)' has the wrong type", code: "invalid_field")
        } catch {
            throw HTTPRouteError.badRequest("the body is not a JSON object of the expected shape")
        }
    }

    private func json(_ value: some Encodable, status: HTTPResponseStatus = .ok) throws -> HTTPRouteResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return .json(ByteBuffer(bytes: data), status: status)
    }
}

/// `POST /v1/admin/consumers/{name}/reset` body: `{"to": "earliest" | "latest" | {"offset": N} | {"time": ms},
/// "topic": "..."?}`.
struct AdminResetConsumer: Decodable {
    var position: StartPosition
    var topic: String?

    private enum CodingKeys: String, CodingKey { case to, topic }
    private enum PositionKeys: String, CodingKey { case offset, time }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        topic = try c.decodeIfPresent(String.self, forKey: .topic)
        if let word = try? c.decode(String.self, forKey: .to) {
            switch word {
            case "earliest": position = .earliest
            case "latest": position = .latest
            default: throw HTTPRouteError.badRequest("'to' must be \"earliest\", \"latest\", {\"offset\":N} or {\"time\":ms}", code: "invalid_field")
            }
            return
        }
        let nested = try c.nestedContainer(keyedBy: PositionKeys.self, forKey: .to)
        if let offset = try nested.decodeIfPresent(Int64.self, forKey: .offset) {
            guard offset >= 0 else { throw HTTPRouteError.badRequest("offset must not be negative", code: "offset_out_of_range") }
            position = .offset(offset)
        } else if let time = try nested.decodeIfPresent(Int64.self, forKey: .time) {
            position = .time(time)
        } else {
            throw HTTPRouteError.badRequest("'to' must be \"earliest\", \"latest\", {\"offset\":N} or {\"time\":ms}", code: "invalid_field")
        }
    }
}
