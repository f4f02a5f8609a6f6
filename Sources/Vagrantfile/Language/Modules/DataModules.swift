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

    /// What `JSON.load`/`YAML.load` read: a string, or an open file (`JSON.load(File.open(path))`).
    static func sourceText(_ value: Value?, interpreter: Interpreter, at location: SourceLocation) throws -> String {
        if case .object(let file as OpenFile)? = value {
            return try interpreter.stringify(try file.call("read", Arguments(), interpreter: interpreter, at: location), at: location)
        }
        return value?.text ?? ""
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
            return scalar.style == .plain ? YAMLScalars.value(scalar.string) : .string(scalar.string)
        case .mapping(let mapping):
            let hash = HashBox()
            for pair in mapping {
                let value = yaml(pair.value, budget: &budget)
                // `<<: *defaults` merges the anchored mapping (or a list of them) in, as Psych does.
                if case .scalar(let key) = pair.key, key.string == "<<", key.style == .plain {
                    switch value {
                    case .hash(let merged):
                        for entry in merged.pairs { hash[entry.key] = entry.value }
                        continue
                    case .array(let list) where list.items.allSatisfy({ if case .hash = $0 { return true } else { return false } }):
                        let combined = HashBox()
                        for case .hash(let merged) in list.items.reversed() {
                            for entry in merged.pairs { combined[entry.key] = entry.value }
                        }
                        for entry in combined.pairs { hash[entry.key] = entry.value }
                        continue
                    default: break
                    }
                }
                hash[yaml(pair.key, budget: &budget)] = value
            }
            return .hash(hash)
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
            // Psych opens what it is given: a path, or a file `File.open` already opened.
            if case .object(let file as OpenFile)? = arguments.positional.first {
                text = try FileModule.readText(file.path, interpreter: interpreter, at: location)
            } else {
                text = try FileModule.readText(first, interpreter: interpreter, at: location)
            }
        case "load", "safe_load", "unsafe_load":
            text = try DataConversion.sourceText(arguments.positional.first, interpreter: interpreter, at: location)
        default:
            throw interpreter.error("undefined method '\(method)' for YAML", at: location, className: "NoMethodError")
        }
        // Ruby 3.1's Psych 4 loads aliases (`*defaults`) only when told to.
        let aliases = method.hasPrefix("unsafe") || arguments.keywords?[.symbol("aliases")]?.isTruthy == true
        let value: Value
        do {
            // The parser owns the anchors that tell an alias from its first use: it lives while they are read.
            let parser = try Yams.Parser(yaml: text, resolver: .basic)
            let root = try parser.singleRoot()
            if !aliases, let root, let alias = Self.firstAlias(root) {
                throw interpreter.error("Unknown alias: \(alias)", at: location, className: "Psych::BadAlias")
            }
            value = withExtendedLifetime(parser) { DataConversion.yaml(root) }
        } catch let error as RubyError {
            throw error
        } catch {
            throw interpreter.error(
                "YAML syntax error in \(method.hasSuffix("_file") ? first : "the string"): \(error)", at: location,
                className: "Psych::SyntaxError")
        }
        if arguments.keywords?[.symbol("symbolize_names")]?.isTruthy == true { return JSONModule.symbolize(value) }
        return value
    }

    /// The name of the first alias in document order: a node whose anchor was met before.
    static func firstAlias(_ root: Yams.Node) -> String? {
        var seen: Set<String> = []
        func walk(_ node: Yams.Node) -> String? {
            if let anchor = node.anchor?.rawValue {
                if seen.contains(anchor) { return anchor }
                seen.insert(anchor)
            }
            switch node {
            case .mapping(let mapping):
                for pair in mapping {
                    if let found = walk(pair.key) ?? walk(pair.value) { return found }
                }
            case .sequence(let sequence):
                for item in sequence { if let found = walk(item) { return found } }
            case .alias(let alias): return alias.anchor.rawValue
            case .scalar: break
            }
            return nil
        }
        return walk(root)
    }
}

/// `JSON.parse`, `JSON.generate`, `JSON.pretty_generate`.
final class JSONModule: RubyObject {
    var typeName: String { "Module" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "parse", "load":
            let text = try DataConversion.sourceText(arguments.positional.first, interpreter: interpreter, at: location)
            // Validate as JSON, then read with Yams: JSON is YAML, and Yams keeps key order as Ruby does.
            guard (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil else {
                throw interpreter.error(
                    "unexpected token in JSON: \(String(text.prefix(40)))", at: location, className: "JSON::ParserError")
            }
            let value: Value
            do {
                value = DataConversion.yaml(try Yams.compose(yaml: text, .basic))
            } catch {
                throw interpreter.error("JSON parse error: \(error)", at: location, className: "JSON::ParserError")
            }
            guard let options = arguments.keywords else { return value }
            if options[.symbol("symbolize_names")]?.isTruthy == true { return Self.symbolize(value) }
            // `object_class: OpenStruct`: every object becomes one, read as `node.name` or `node[:name]`.
            if case .object(let objectClass as StandardLibraryModule)? = options[.symbol("object_class")], objectClass.name == "OpenStruct"
            {
                return Self.openStructs(value)
            }
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

    static func openStructs(_ value: Value) -> Value {
        switch value {
        case .hash(let box): return .object(OpenStructObject(HashBox(box.pairs.map { (.string($0.key.text), openStructs($0.value)) })))
        case .array(let box): return .array(box.items.map(openStructs))
        default: return value
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

/// `MatchData`: what `match` (and `$~`, `Regexp.last_match`) answers.
final class MatchDataObject: RubyObject {
    /// The whole match, then each group (nil where a group did not take part).
    let groups: [Value]
    /// The named groups, in the pattern's order.
    let names: [(name: String, value: Value)]
    let preMatch: String
    let postMatch: String
    /// Where the match starts, in characters.
    let offset: Int

    init(groups: [Value], names: [(name: String, value: Value)] = [], preMatch: String, postMatch: String, offset: Int) {
        self.groups = groups
        self.names = names
        self.preMatch = preMatch
        self.postMatch = postMatch
        self.offset = offset
    }

    var typeName: String { "MatchData" }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch name {
        case "[]":
            guard case .int(let index) = arguments.positional.first ?? .null else {
                let name = arguments.positional.first?.text ?? ""
                if let named = names.first(where: { $0.name == name }) { return named.value }
                throw interpreter.error("undefined group name reference: \(name)", at: location, className: "IndexError")
            }
            let position = index < 0 ? groups.count + index : index
            return groups.indices.contains(position) ? groups[position] : .null
        case "captures": return .array(Array(groups.dropFirst()))
        case "to_a": return .array(groups)
        case "to_s": return groups.first ?? .null
        case "pre_match": return .string(preMatch)
        case "post_match": return .string(postMatch)
        case "size", "length": return .int(groups.count)
        case "values_at":
            return .array(
                arguments.positional.map { value in
                    guard case .int(let index) = value, groups.indices.contains(index) else { return .null }
                    return groups[index]
                })
        case "begin": return .int(offset)
        case "end": return .int(offset + (groups.first?.text.unicodeScalars.count ?? 0))
        case "named_captures": return .hash(HashBox(names.map { (.string($0.name), $0.value) }))
        case "names": return .array(names.map { .string($0.name) })
        case "inspect": return .string("#<MatchData \(groups.first?.inspect ?? "nil")>")
        default:
            throw interpreter.error("undefined method '\(name)' for an instance of MatchData", at: location, className: "NoMethodError")
        }
    }
}

/// `Regexp.last_match`, `Regexp.new`, `Regexp.escape`.
final class RegexpModule: RubyObject {
    var typeName: String { "Class" }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch name {
        case "last_match":
            let last = interpreter.host.globals["$~"] ?? .null
            guard let index = arguments.positional.first, case .object(let data) = last else { return last }
            return try data.call("[]", Arguments(positional: [index]), interpreter: interpreter, at: location)
        case "new", "compile":
            switch arguments.positional.first ?? .null {
            case .regex: return arguments.positional[0]
            case .string(let pattern):
                let insensitive = arguments.positional.count > 1 && arguments.positional[1].isTruthy
                return .regex(try RegexBox(pattern: pattern, options: insensitive ? "i" : "", at: location))
            default: throw interpreter.error("Regexp.new needs a string", at: location, className: "TypeError")
            }
        case "escape", "quote":
            return .string(RegexBox.escape(arguments.positional.first?.text ?? ""))
        default:
            throw interpreter.error("undefined method '\(name)' for Regexp", at: location, className: "NoMethodError")
        }
    }
}

/// `RbConfig::CONFIG`: the host as Ruby describes it (`host_os` is what Vagrantfiles test).
final class RbConfigModule: RubyObject {
    var typeName: String { "Module" }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        guard name == "CONFIG" else {
            throw interpreter.error("undefined method '\(name)' for RbConfig", at: location, className: "NoMethodError")
        }
        #if os(macOS)
            let os = "darwin23"
        #else
            let os = "linux-gnu"
        #endif
        let cpu = HostArchitecture.current() == "arm64" ? "aarch64" : "x86_64"
        let values: [(String, String)] = [
            ("host_os", os), ("host_cpu", cpu), ("arch", "\(cpu)-\(os.hasPrefix("linux") ? "linux" : os)"), ("ruby_version", "3.1.0"),
            ("bindir", "/usr/bin"), ("EXEEXT", ""), ("ruby_install_name", "ruby"),
        ]
        return .hash(HashBox(values.map { (.string($0.0), .string($0.1)) }))
    }
}
