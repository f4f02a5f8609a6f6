import BoxerSupport
import Foundation

/// The parts of Ruby's standard library Vagrantfiles use: `Time.now`, `Gem::Version`,
/// `Socket.gethostname`, `IPAddr`, `OpenStruct`, `Struct.new`, `Vagrant::Util::Platform`.
final class StandardLibraryModule: RubyObject {
    let name: String
    init(_ name: String) { self.name = name }
    var typeName: String { "Class" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let args = arguments.positional
        switch (name, method) {
        case ("Time", "now"): return .object(TimeObject(Date()))
        case ("Time", "at"):
            return .object(try TimeObject.at(Builtins.numeric(args.first ?? .int(0)) ?? 0, interpreter: interpreter, at: location))
        case ("Gem", "Version"): return .object(StandardLibraryModule("Gem::Version"))
        case ("Gem", "loaded_specs"): return .hash(HashBox())
        case ("Gem", "win_platform?"): return .bool(false)
        case ("Gem::Version", "new"), ("Gem::Version", "create"):
            return .object(GemVersion(try interpreter.stringify(args.first ?? .string("0"), at: location)))
        case ("Gem::Version", "correct?"): return .bool(GemVersion.isVersion(args.first?.text ?? ""))
        case ("Socket", "gethostname"):
            var buffer = [CChar](repeating: 0, count: 256)
            gethostname(&buffer, buffer.count)
            return .string(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        case ("IPAddr", "new"):
            guard let address = IPAddrObject(args.first?.text ?? "") else {
                throw interpreter.error(
                    "invalid address: \(args.first?.text ?? "")", at: location, className: "IPAddr::InvalidAddressError")
            }
            return .object(address)
        case ("OpenStruct", "new"):
            let fields = HashBox()
            if case .hash(let given)? = args.first ?? arguments.keywords.map(Value.hash) {
                for pair in given.pairs { fields[.string(pair.key.text)] = pair.value }
            }
            return .object(OpenStructObject(fields))
        case ("Struct", "new"):
            let fields = args.map(\.text)
            let type = RubyClass(name: "Struct", isModule: false, superclass: nil, builtinAncestor: "Struct")
            for field in fields {
                type.methods[field] = MethodDefinition(name: field, body: .reader(field), owner: type)
                type.methods[field + "="] = MethodDefinition(name: field + "=", body: .writer(field), owner: type)
            }
            type.methods["initialize"] = MethodDefinition(name: "initialize", body: .fields(fields), owner: type)
            return .object(type)
        case ("Vagrant::Util", "Platform"): return .object(StandardLibraryModule("Vagrant::Util::Platform"))
        case ("Vagrant::Util::Platform", _):
            #if os(macOS)
                let os = "darwin"
            #else
                let os = "linux"
            #endif
            switch method {
            case "windows?", "cygwin?", "wsl?", "msys?": return .bool(false)
            case "linux?": return .bool(os == "linux")
            case "darwin?": return .bool(os == "darwin")
            case "platform": return .string(os)
            default: break
            }
        default: break
        }
        if let first = method.first, first.isUppercase {
            throw interpreter.error("uninitialized constant \(name)::\(method)", at: location, className: "NameError")
        }
        throw interpreter.error(
            "undefined method '\(method)' for \(name) (not supported by boxer)", at: location, className: "NoMethodError")
    }
}

/// `Time.now`: what Vagrantfiles print or stamp names with (`Time.now.utc.to_i` for disk ids).
/// The calendar comes from the C library (`localtime_r`/`gmtime_r`), not Foundation's
/// `Calendar`, whose ICU tables would cost every such reading megabytes.
final class TimeObject: RubyObject {
    let date: Date
    let isUTC: Bool
    init(_ date: Date, utc: Bool = false) {
        self.date = date
        self.isUTC = utc
    }
    var typeName: String { "Time" }

    /// A time `seconds` after 1970, refused where its seconds would not fit an Integer.
    static func at(_ seconds: Double, interpreter: Interpreter, at location: SourceLocation) throws -> TimeObject {
        guard seconds.isFinite, abs(seconds) < 1e15 else {
            throw interpreter.error("\(seconds) is out of Time range", at: location, className: "RangeError")
        }
        return TimeObject(Date(timeIntervalSince1970: seconds))
    }

    /// The broken-down time, in UTC or the host's zone.
    var parts: tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var result = tm()
        if isUTC { gmtime_r(&seconds, &result) } else { localtime_r(&seconds, &result) }
        return result
    }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let parts = self.parts
        switch method {
        case "to_i", "tv_sec": return .int(Int(date.timeIntervalSince1970.rounded(.down)))
        case "to_f": return .float(date.timeIntervalSince1970)
        case "utc", "getutc", "gmtime", "getgm": return .object(TimeObject(date, utc: true))
        case "localtime", "getlocal": return .object(TimeObject(date))
        case "utc?", "gmt?": return .bool(isUTC)
        case "year": return .int(Int(parts.tm_year) + 1900)
        case "month", "mon": return .int(Int(parts.tm_mon) + 1)
        case "day", "mday": return .int(Int(parts.tm_mday))
        case "hour": return .int(Int(parts.tm_hour))
        case "min": return .int(Int(parts.tm_min))
        case "sec": return .int(Int(parts.tm_sec))
        case "wday": return .int(Int(parts.tm_wday))
        case "yday": return .int(Int(parts.tm_yday) + 1)
        case "utc_offset", "gmt_offset": return .int(isUTC ? 0 : Int(parts.tm_gmtoff))
        case "zone": return .string(isUTC ? "UTC" : Self.format("%Z", parts, date, utc: isUTC))
        case "-", "+":
            if method == "-", case .object(let other as TimeObject)? = arguments.positional.first {
                return .float(date.timeIntervalSince(other.date))
            }
            let offset = Builtins.numeric(arguments.positional.first ?? .int(0)) ?? 0
            let moved = try Self.at(date.timeIntervalSince1970 + (method == "-" ? -offset : offset), interpreter: interpreter, at: location)
            return .object(TimeObject(moved.date, utc: isUTC))
        case "<=>", "==", "<", ">", "<=", ">=":
            guard case .object(let other as TimeObject)? = arguments.positional.first else {
                return method == "==" ? .bool(false) : .null
            }
            switch method {
            case "<=>": return .int(date < other.date ? -1 : date > other.date ? 1 : 0)
            case "==": return .bool(date == other.date)
            case "<": return .bool(date < other.date)
            case ">": return .bool(date > other.date)
            case "<=": return .bool(date <= other.date)
            default: return .bool(date >= other.date)
            }
        case "strftime": return .string(Self.format(arguments.positional.first?.text ?? "", parts, date, utc: isUTC))
        case "iso8601", "xmlschema":
            return .string(Self.format(isUTC ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%S%:z", parts, date, utc: isUTC))
        case "to_s", "inspect":
            return .string(Self.format(isUTC ? "%Y-%m-%d %H:%M:%S UTC" : "%Y-%m-%d %H:%M:%S %z", parts, date, utc: isUTC))
        default: throw interpreter.error("undefined method '\(method)' for an instance of Time", at: location, className: "NoMethodError")
        }
    }

    /// Ruby's `strftime`, through the C library's (which knows the same codes), with Ruby's
    /// `%L`/`%N` (milliseconds, nanoseconds) and `%:z` added, and `%s`/`%Z` done here (the C
    /// library's `%s` reads the fields as local time, and names UTC "GMT").
    static func format(_ template: String, _ parts: tm, _ date: Date, utc: Bool = false) -> String {
        let fraction = date.timeIntervalSince1970 - date.timeIntervalSince1970.rounded(.down)
        var expanded = ""
        var characters = template.makeIterator()
        while let character = characters.next() {
            guard character == "%", let code = characters.next() else {
                expanded.append(character)
                continue
            }
            switch code {
            case "s": expanded += String(Int(date.timeIntervalSince1970.rounded(.down)))
            case "Z" where utc: expanded += "UTC"
            case "L": expanded += String(String(Int(fraction * 1000) + 1000).dropFirst())
            case "N": expanded += String(String(Int(fraction * 1_000_000_000) + 1_000_000_000).dropFirst())
            case ":":
                // %:z is +hh:mm
                _ = characters.next()
                let offset = Int(parts.tm_gmtoff) / 60
                expanded +=
                    (offset < 0 ? "-" : "+") + String(String(abs(offset) / 60 + 100).dropFirst()) + ":"
                    + String(String(abs(offset) % 60 + 100).dropFirst())
            default: expanded += "%" + String(code)
            }
        }
        guard !expanded.isEmpty else { return "" }
        var copy = parts
        // strftime answers 0 when the buffer is too small: grow it (a literal-only template of
        // that length is what it is).
        var size = 512
        while size <= 1 << 20 {
            var buffer = [CChar](repeating: 0, count: size)
            let count = strftime(&buffer, buffer.count, expanded, &copy)
            if count > 0 { return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            size *= 4
        }
        return ""
    }
}

/// `Gem::Version`: versions compared number by number (`Gem::Version.new(Vagrant::VERSION) >= Gem::Version.new("2.2")`).
final class GemVersion: RubyObject {
    let text: String
    init(_ text: String) { self.text = text.trimmingCharacters(in: .whitespaces) }
    var typeName: String { "Gem::Version" }

    static func isVersion(_ text: String) -> Bool { !text.isEmpty && text.allSatisfy { $0.isNumber || $0 == "." || $0.isLetter } }

    var segments: [Int] { text.split(separator: ".").map { Int($0) ?? 0 } }

    func compare(_ other: GemVersion) -> Int {
        let left = segments
        let right = other.segments
        for index in 0..<max(left.count, right.count) {
            let a = index < left.count ? left[index] : 0
            let b = index < right.count ? right[index] : 0
            if a != b { return a < b ? -1 : 1 }
        }
        return 0
    }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "to_s", "version": return .string(text)
        case "segments": return .array(segments.map(Value.int))
        case "<=>", "<", "<=", ">", ">=", "==", "!=":
            let other: GemVersion
            switch arguments.positional.first {
            case .object(let version as GemVersion)?: other = version
            case .string(let version)?: other = GemVersion(version)
            default: throw interpreter.error("comparison of Gem::Version failed", at: location, className: "ArgumentError")
            }
            let order = compare(other)
            switch method {
            case "<=>": return .int(order)
            case "<": return .bool(order < 0)
            case "<=": return .bool(order <= 0)
            case ">": return .bool(order > 0)
            case ">=": return .bool(order >= 0)
            case "==": return .bool(order == 0)
            default: return .bool(order != 0)
            }
        default:
            throw interpreter.error(
                "undefined method '\(method)' for an instance of Gem::Version", at: location, className: "NoMethodError")
        }
    }
}

/// `IPAddr`: an IPv4 address with its prefix (`IPAddr.new("10.0.0.0/24").include?(ip)`, `.succ`).
final class IPAddrObject: RubyObject {
    let value: UInt32
    let prefix: Int

    init(value: UInt32, prefix: Int) {
        self.value = value
        self.prefix = prefix
    }

    convenience init?(_ text: String) {
        let pieces = text.split(separator: "/", maxSplits: 1).map(String.init)
        let octets = pieces.first?.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt32($0) } ?? []
        guard octets.count == 4, octets.allSatisfy({ $0 <= 255 }) else { return nil }
        let prefix = pieces.count > 1 ? Int(pieces[1]) ?? -1 : 32
        guard (0...32).contains(prefix) else { return nil }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
        self.init(value: octets.reduce(0) { $0 << 8 | $1 } & mask, prefix: prefix)
    }

    var typeName: String { "IPAddr" }
    var text: String { (0..<4).map { String(value >> UInt32(24 - 8 * $0) & 0xFF) }.joined(separator: ".") }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "to_s": return .string(text)
        case "inspect": return .string("#<IPAddr: IPv4:\(text)/\(prefix)>")
        case "to_i": return .int(Int(value))
        case "succ": return .object(IPAddrObject(value: value &+ 1, prefix: 32))
        case "ipv4?": return .bool(true)
        case "ipv6?": return .bool(false)
        case "prefix": return .int(prefix)
        case "mask":
            let bits =
                arguments.positional.first.flatMap { value -> Int? in if case .int(let n) = value { return n } else { return nil } } ?? 32
            return .object(IPAddrObject((text) + "/\(max(0, min(32, bits)))") ?? self)
        case "include?", "===":
            let other: IPAddrObject?
            switch arguments.positional.first {
            case .object(let address as IPAddrObject)?: other = address
            case .string(let address)?: other = IPAddrObject(address)
            default: other = nil
            }
            guard let other else { return .bool(false) }
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
            return .bool(other.value & mask == value)
        case "==":
            if case .object(let other as IPAddrObject)? = arguments.positional.first { return .bool(other.value == value) }
            return .bool(IPAddrObject(arguments.positional.first?.text ?? "")?.value == value)
        default: throw interpreter.error("undefined method '\(method)' for an instance of IPAddr", at: location, className: "NoMethodError")
        }
    }
}

/// `OpenStruct.new(hash)`: fields read and written as methods.
final class OpenStructObject: RubyObject {
    let fields: HashBox
    init(_ fields: HashBox) { self.fields = fields }
    var typeName: String { "OpenStruct" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch method {
        case "[]": return fields[.string(arguments.positional.first?.text ?? "")] ?? .null
        case "[]=":
            fields[.string(arguments.positional.first?.text ?? "")] = arguments.positional.count > 1 ? arguments.positional[1] : .null
            return arguments.positional.last ?? .null
        case "to_h": return .hash(HashBox(fields.pairs.map { (.symbol($0.key.text), $0.value) }))
        case "respond_to?": return .bool(fields[.string(arguments.positional.first?.text ?? "")] != nil)
        case "each_pair":
            guard let block = arguments.block else { return .object(self) }
            for pair in fields.pairs { _ = try interpreter.callClosure(block, [.symbol(pair.key.text), pair.value], at: location) }
            return .object(self)
        case "dig":
            var current: Value = fields[.string(arguments.positional.first?.text ?? "")] ?? .null
            for key in arguments.positional.dropFirst() {
                current = try Builtins.call(current, "dig", Arguments(positional: [key]), interpreter: interpreter, at: location)
            }
            return current
        default:
            if method.hasSuffix("="), method.count > 1 {
                fields[.string(String(method.dropLast()))] = arguments.positional.first ?? .null
                return arguments.positional.first ?? .null
            }
            return fields[.string(method)] ?? .null
        }
    }
}
