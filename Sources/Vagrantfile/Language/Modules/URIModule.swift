/// `URI(text)`, `URI.parse(text)`: what Vagrantfiles check box URLs with (`URI(url)` raising
/// `URI::InvalidURIError` for a malformed one, `uri.scheme`, `uri.host`). Parsed by hand as RFC
/// 3986's generic syntax: scheme, `//` authority (user, host, port), path, query, fragment.
final class URIModule: RubyObject {
    var typeName: String { "Module" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "parse", "call": return try Self.parse(arguments.positional.first ?? .null, interpreter: interpreter, at: location)
        case "Error", "InvalidURIError", "InvalidComponentError", "BadURIError":
            return .object(TypeObject("URI::" + method))
        case "regexp", "join", "encode_www_form", "decode_www_form":
            throw interpreter.error("URI.\(method) is not supported by boxer", at: location, className: "NoMethodError")
        default:
            throw interpreter.error("undefined method '\(method)' for URI", at: location, className: "NoMethodError")
        }
    }

    static func parse(_ value: Value, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if case .object(let uri as URIObject) = value { return .object(uri) }
        guard case .string(let text) = value else {
            throw interpreter.error("bad argument (expected URI object or URI string)", at: location, className: "ArgumentError")
        }
        guard let uri = URIObject(text) else {
            var error = RubyError("bad URI(is not URI?): \(Value.string(text).inspect)", at: location, className: "URI::InvalidURIError")
            error.ancestors = ["URI::InvalidURIError", "URI::Error", "StandardError"]
            throw error
        }
        return .object(uri)
    }
}

final class URIObject: RubyObject {
    let text: String
    var scheme: String?
    var userinfo: String?
    var host: String?
    var port: Int?
    var path = ""
    var query: String?
    var fragment: String?

    init?(_ text: String) {
        self.text = text
        // Spaces, quotes, angle brackets and braces are not allowed anywhere (Ruby's RFC3986 parser).
        guard !text.unicodeScalars.contains(where: { " \"<>{}|\\^`\t\n\r".unicodeScalars.contains($0) || $0.value > 126 }) else {
            return nil
        }
        var rest = Substring(text)
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        if let colon = rest.firstIndex(of: ":"), let first = rest.first, first.isLetter,
            rest[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) })
        {
            scheme = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        }
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            var authority = rest[..<end]
            rest = rest[end...]
            if let at = authority.lastIndex(of: "@") {
                userinfo = String(authority[..<at])
                authority = authority[authority.index(after: at)...]
            }
            if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
                let digits = authority[authority.index(after: colon)...]
                guard digits.allSatisfy(\.isNumber) else { return nil }
                port = digits.isEmpty ? nil : Int(digits)
                authority = authority[..<colon]
            }
            host = String(authority)
        }
        path = String(rest)
        if port == nil, let scheme { port = ["http": 80, "https": 443, "ftp": 21][scheme.lowercased()] }
    }

    var typeName: String {
        switch scheme?.lowercased() {
        case "http": "URI::HTTP"
        case "https": "URI::HTTPS"
        case "file": "URI::File"
        case "ftp": "URI::FTP"
        case nil: "URI::Generic"
        default: "URI::Generic"
        }
    }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        func optional(_ text: String?) -> Value { text.map(Value.string) ?? .null }
        switch name {
        case "scheme": return optional(scheme)
        case "host", "hostname": return optional(host)
        case "port": return port.map(Value.int) ?? .null
        case "path": return .string(path)
        case "query": return optional(query)
        case "fragment": return optional(fragment)
        case "userinfo": return optional(userinfo)
        case "user": return optional(userinfo.map { String($0.split(separator: ":", maxSplits: 1).first ?? "") })
        case "to_s", "to_str": return .string(text)
        case "inspect": return .string("#<\(typeName) \(text)>")
        case "absolute?": return .bool(scheme != nil)
        case "relative?": return .bool(scheme == nil)
        case "==": return .bool((arguments.positional.first.map { $0.text } ?? "") == text)
        default:
            throw interpreter.error("undefined method '\(name)' for an instance of \(typeName)", at: location, className: "NoMethodError")
        }
    }
}
