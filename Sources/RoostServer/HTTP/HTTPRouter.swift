import NIOHTTP1

/// The route table for plain HTTP requests. Adding a route is one line:
///
/// ```swift
/// router.add(.GET, "/v1/admin/topics/:name") { request in .text(request.parameters["name"] ?? "") }
/// router.add(.POST, "/v1/admin/topics", async: { request in try await createTopic(request) })
/// ```
///
/// A pattern is a `/`-separated path whose segments are literals, `:name` (one segment, captured) or `*name`
/// (the rest of the path, captured, last only). Routes are tried in the order they were added. A path that no
/// pattern matches gets 404 `not_found`; one that matches only under other methods gets 405 `method_not_allowed`.
public struct HTTPRouter: Sendable {
    /// A handler that answers at once, on the connection's event loop: must not block.
    public typealias Handler = @Sendable (HTTPRouteRequest) throws -> HTTPRouteResponse
    /// A handler that may await (storage, broker); run in a task, answered on the event loop.
    public typealias AsyncHandler = @Sendable (HTTPRouteRequest) async throws -> HTTPRouteResponse

    enum RouteHandler: Sendable {
        case sync(Handler)
        case async(AsyncHandler)
    }

    fileprivate enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case rest(String)
    }

    fileprivate struct Route: Sendable {
        var method: HTTPMethod
        var segments: [Segment]
        var handler: RouteHandler
    }

    enum Match {
        case found(RouteHandler, parameters: [String: String])
        case methodNotAllowed([HTTPMethod])
        case notFound
    }

    fileprivate var routes: [Route] = []

    /// Creates an empty route table.
    public init() {}

    /// Adds a route answered synchronously on the event loop.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping Handler) {
        self.routes.append(Route(method: method, segments: Self.parse(pattern), handler: .sync(handler)))
    }

    /// Adds a route answered by an async handler.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, async handler: @escaping AsyncHandler) {
        self.routes.append(Route(method: method, segments: Self.parse(pattern), handler: .async(handler)))
    }

    func match(method: HTTPMethod, path: String) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [HTTPMethod] = []
        for route in self.routes {
            guard let parameters = Self.match(route.segments, parts) else { continue }
            if route.method == method { return .found(route.handler, parameters: parameters) }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed)
    }

    private static func parse(_ pattern: String) -> [Segment] {
        pattern.split(separator: "/", omittingEmptySubsequences: true).map { part in
            if part.hasPrefix(":") { return .parameter(String(part.dropFirst())) }
            if part.hasPrefix("*") { return .rest(String(part.dropFirst())) }
            return .literal(String(part))
        }
    }

    private static func match(_ segments: [Segment], _ parts: [Substring]) -> [String: String]? {
        var parameters: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .rest(let name):
                guard index < parts.count else { return nil }
                parameters[name] = parts[index...].joined(separator: "/")
                return parameters
            case .literal(let literal):
                guard index < parts.count, parts[index] == literal else { return nil }
            case .parameter(let name):
                guard index < parts.count else { return nil }
                parameters[name] = String(parts[index])
            }
        }
        return segments.count == parts.count ? parameters : nil
    }
}

extension HTTPRouter {
    /// Adds every route of `other` after this router's own.
    public mutating func append(_ other: HTTPRouter) {
        self.routes.append(contentsOf: other.routes)
    }
}
