/// Subscribers keyed by pattern, matched by walking the tokens of a topic name: the cost of a match is the
/// depth of the name times the wildcard branches, not the number of patterns. A value type; the owner (the
/// broker's registry lock) guards it.
struct TopicPatternTrie<Value: Hashable & Sendable>: Sendable {
    private struct Node: Sendable {
        var children: [String: Node] = [:]
        /// Values whose pattern ends at this node.
        var values: Set<Value> = []
        /// Values whose pattern ends with `>` right after this node.
        var tailValues: Set<Value> = []

        var isEmpty: Bool { children.isEmpty && values.isEmpty && tailValues.isEmpty }
    }

    private var root = Node()

    /// Adds `value` under `pattern` (a valid name or pattern).
    mutating func insert(_ value: Value, pattern: String) {
        Self.update(&root, tokens: TopicName.tokens(pattern)[...]) { node, tail in
            if tail { node.tailValues.insert(value) } else { node.values.insert(value) }
        }
    }

    /// Removes `value` from `pattern`, pruning empty branches.
    mutating func remove(_ value: Value, pattern: String) {
        Self.update(&root, tokens: TopicName.tokens(pattern)[...]) { node, tail in
            if tail { node.tailValues.remove(value) } else { node.values.remove(value) }
        }
    }

    /// Every value whose pattern matches the topic `name`. A wildcard in the first token never matches a
    /// system (`$`) topic: those are only reached by naming them.
    func match(_ name: String) -> Set<Value> {
        var result: Set<Value> = []
        let tokens = TopicName.tokens(name)[...]
        if TopicName.isSystem(name), let first = tokens.first {
            if let exact = root.children[String(first)] { Self.collect(node: exact, tokens: tokens.dropFirst(), into: &result) }
            return result
        }
        Self.collect(node: root, tokens: tokens, into: &result)
        return result
    }

    private static func update(_ node: inout Node, tokens: ArraySlice<Substring>, _ body: (inout Node, Bool) -> Void) {
        guard let token = tokens.first else { return body(&node, false) }
        if token == ">", tokens.count == 1 { return body(&node, true) }
        let key = String(token)
        var child = node.children.removeValue(forKey: key) ?? Node()
        update(&child, tokens: tokens.dropFirst(), body)
        if !child.isEmpty { node.children[key] = child }
    }

    private static func collect(node: Node, tokens: ArraySlice<Substring>, into result: inout Set<Value>) {
        guard let token = tokens.first else {
            result.formUnion(node.values)
            return
        }
        result.formUnion(node.tailValues)
        let rest = tokens.dropFirst()
        if let exact = node.children[String(token)] { collect(node: exact, tokens: rest, into: &result) }
        if token != "*", let wildcard = node.children["*"] { collect(node: wildcard, tokens: rest, into: &result) }
    }
}
