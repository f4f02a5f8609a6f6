import Yams

/// Reads the nodes of a YAML file that boxer's data is written in (templates under `boxes/`,
/// capability data under `providers/`), failing with `file:line: field what is wrong` in the
/// caller's own error type.
public struct YAMLFields<Failure: Error>: Sendable {
    public let file: String
    let makeError: @Sendable (String) -> Failure

    public init(file: String, error makeError: @escaping @Sendable (String) -> Failure) {
        self.file = file
        self.makeError = makeError
    }

    /// `file:line`, or the file alone when the node has no position.
    public func place(_ node: Node?) -> String {
        guard let line = node?.mark?.line else { return file }
        return "\(file):\(line)"
    }

    public func problem(_ node: Node?, _ field: String, _ text: String) -> Failure {
        makeError("\(place(node)): \(field) \(text)")
    }

    /// A mapping's entries in the file's order.
    public func pairs(_ node: Node, _ field: String) throws(Failure) -> [(String, Node)] {
        guard let mapping = node.mapping else { throw problem(node, field, "should be a mapping (key: value lines)") }
        var result: [(String, Node)] = []
        for (key, value) in mapping {
            guard let name = key.string else { throw problem(key, field, "has a key that is not text") }
            result.append((name, value))
        }
        return result
    }

    public func mapping(_ node: Node, _ field: String) throws(Failure) -> [String: Node] {
        Dictionary(try pairs(node, field), uniquingKeysWith: { first, _ in first })
    }

    /// Refuses keys it does not know, suggesting a known one that starts alike.
    public func onlyKeys(_ mapping: [String: Node], _ known: Set<String>, in node: Node, _ field: String) throws(Failure) {
        for key in mapping.keys.sorted() where !known.contains(key) {
            let suggestion = known.sorted().first { $0.hasPrefix(String(key.prefix(3))) }.map { " (did you mean \($0)?)" } ?? ""
            throw problem(
                node.mapping?.keys.first { $0.string == key } ?? node, field,
                "has an unknown key '\(key)'\(suggestion); known: \(known.sorted().joined(separator: ", "))")
        }
    }

    public func sequence(_ node: Node, _ field: String) throws(Failure) -> [Node] {
        guard let sequence = node.sequence else { throw problem(node, field, "should be a list ([a, b] or - lines)") }
        return Array(sequence)
    }

    public func string(_ node: Node?, _ field: String) throws(Failure) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar else { throw problem(node, field, "should be a single value") }
        return scalar.string
    }

    public func boolean(_ node: Node?, _ field: String) throws(Failure) -> Bool? {
        guard let text = try string(node, field) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw problem(node, field, "'\(text)' is not true or false")
        }
    }

    public func integer(_ node: Node?, _ field: String, range: ClosedRange<Int>) throws(Failure) -> Int? {
        guard let text = try string(node, field) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw problem(node, field, "'\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    public func choice<T: RawRepresentable & CaseIterable>(_ node: Node?, _ field: String) throws(Failure) -> T?
    where T.RawValue == String {
        guard let text = try string(node, field) else { return nil }
        guard let value = T(rawValue: text) else {
            throw problem(node, field, "'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}
