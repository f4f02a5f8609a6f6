import BoxerSupport
import Foundation
import Yams

/// Converts parsed YAML/JSON into Ruby values.
enum DataConversion {
    static func value(_ object: Any?) -> Value {
        switch object {
        case nil, is NSNull: return .null
        case let value as Bool: return .bool(value)
        case let value as Int: return .int(value)
        case let value as Double:
            return value == value.rounded() && abs(value) < 1e15 && !(object is Double) ? .int(Int(value)) : .float(value)
        case let value as String: return .string(value)
        case let value as [Any]: return .array(value.map { Self.value($0) })
        case let value as [String: Any]: return .hash(HashBox(value.keys.sorted().map { (.string($0), Self.value(value[$0])) }))
        case let value as NSNumber:
            return value.doubleValue == value.doubleValue.rounded() ? .int(value.intValue) : .float(value.doubleValue)
        default: return .string("\(object ?? "")")
        }
    }

    /// Converts a YAML document; aliases share nodes, so a "billion laughs" document is cut off
    /// after a million converted nodes instead of exhausting memory.
    static func yaml(_ node: Yams.Node?) -> Value {
        var budget = 1_000_000
        return yaml(node, budget: &budget)
    }

    private static func yaml(_ node: Yams.Node?, budget: inout Int) -> Value {
        guard let node, budget > 0 else { return .null }
        budget -= 1
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if let value = Bool.construct(from: scalar) { return .bool(value) }
                if let value = Int.construct(from: scalar) { return .int(value) }
                if let value = Double.construct(from: scalar) { return .float(value) }
                if NSNull.construct(from: scalar) != nil { return .null }
            }
            return .string(scalar.string)
        case .mapping(let mapping):
            var pairs: [(Value, Value)] = []
            for pair in mapping { pairs.append((yaml(pair.key, budget: &budget), yaml(pair.value, budget: &budget))) }
            return .hash(HashBox(pairs))
        case .sequence(let sequence):
            var items: [Value] = []
            for item in sequence { items.append(yaml(item, budget: &budget)) }
            return .array(items)
        case .alias:
            return .null
        }
    }

    static func json(_ value: Value, pretty: Bool, interpreter: Interpreter, at location: SourceLocation) throws -> String {
        func convert(_ value: Value, depth: Int = 0) throws -> Any {
            guard depth < 64 else { throw interpreter.error("nesting of 64 is too deep", at: location, className: "JSON::NestingError") }
            try interpreter.tick(at: location)
            switch value {
            case .null: return NSNull()
            case .bool(let v): return v
            case .int(let v): return v
            case .float(let v): return v
            case .string(let v), .symbol(let v): return v
            case .array(let box): return try box.items.map { try convert($0, depth: depth + 1) }
            case .hash(let box):
                return Dictionary(try box.pairs.map { ($0.key.text, try convert($0.value, depth: depth + 1)) }, uniquingKeysWith: { $1 })
            default: throw interpreter.error("cannot convert \(value.typeName) to JSON", at: location, className: "TypeError")
            }
        }
        let object = try convert(value)
        let data = try JSONSerialization.data(
            withJSONObject: object, options: pretty ? [.fragmentsAllowed, .sortedKeys, .prettyPrinted] : [.fragmentsAllowed, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// `YAML.load_file`, `YAML.load`, `YAML.safe_load` (through Yams), `to_yaml` is not offered.
final class YAMLModule: RubyObject {
    var typeName: String { "Module" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let first = arguments.positional.first?.text ?? ""
        let text: String
        switch method {
        case "load_file", "safe_load_file", "unsafe_load_file":
            text = try FileModule.readText(first, interpreter: interpreter, at: location)
        case "load", "safe_load", "unsafe_load":
            text = first
        default:
            throw interpreter.error("undefined method '\(method)' for YAML", at: location, className: "NoMethodError")
        }
        do {
            return DataConversion.yaml(try Yams.compose(yaml: text))
        } catch {
            throw interpreter.error(
                "YAML syntax error in \(method == "load_file" ? first : "the string"): \(error)", at: location,
                className: "Psych::SyntaxError")
        }
    }
}

/// `JSON.parse`, `JSON.generate`, `JSON.pretty_generate`.
final class JSONModule: RubyObject {
    var typeName: String { "Module" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "parse", "load":
            let text = arguments.positional.first?.text ?? ""
            // Validate as JSON, then read with Yams: JSON is YAML, and Yams keeps key order as Ruby does.
            guard (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil else {
                throw interpreter.error(
                    "unexpected token in JSON: \(String(text.prefix(40)))", at: location, className: "JSON::ParserError")
            }
            let value: Value
            do {
                value = DataConversion.yaml(try Yams.compose(yaml: text))
            } catch {
                throw interpreter.error("JSON parse error: \(error)", at: location, className: "JSON::ParserError")
            }
            if let options = arguments.keywords, options[.symbol("symbolize_names")]?.isTruthy == true { return Self.symbolize(value) }
            return value
        case "generate", "dump":
            return .string(
                try DataConversion.json(arguments.positional.first ?? .null, pretty: false, interpreter: interpreter, at: location))
        case "pretty_generate":
            return .string(
                try DataConversion.json(arguments.positional.first ?? .null, pretty: true, interpreter: interpreter, at: location))
        default:
            throw interpreter.error("undefined method '\(method)' for JSON", at: location, className: "NoMethodError")
        }
    }

    static func symbolize(_ value: Value) -> Value {
        switch value {
        case .hash(let box): return .hash(HashBox(box.pairs.map { (.symbol($0.key.text), symbolize($0.value)) }))
        case .array(let box): return .array(box.items.map(symbolize))
        default: return value
        }
    }
}
