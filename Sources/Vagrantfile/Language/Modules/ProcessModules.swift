import BoxerSupport
import Foundation

/// `rand`, `srand`, `Random.rand`, `Random.new(seed).rand`: random numbers, as Vagrantfiles use
/// them for MAC addresses and host names.
final class RandomModule: RubyObject {
    /// Set by `Random.new(seed)`: a generator that repeats for a seed, as Ruby's does (not the same numbers).
    private var seeded: SeededGenerator?

    init(seed: UInt64? = nil) { seeded = seed.map(SeededGenerator.init) }

    var typeName: String { seeded == nil ? "Class" : "Random" }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch name {
        case "new": return .object(RandomModule(seed: UInt64(truncatingIfNeeded: arguments.positional.first.flatMap(Self.integer) ?? 0)))
        case "rand": return try Self.random(arguments.positional.first, using: &seededOrSystem, interpreter: interpreter, at: location)
        case "new_seed", "seed": return .int(Int.random(in: 0...Int.max))
        case "bytes":
            let count = max(0, arguments.positional.first.flatMap(Self.integer) ?? 0)
            return .string(String((0..<min(count, 1 << 16)).map { _ in Character(UnicodeScalar(UInt8.random(in: 32...126))) }))
        default:
            throw interpreter.error("undefined method '\(name)' for Random", at: location, className: "NoMethodError")
        }
    }

    private static func integer(_ value: Value) -> Int? {
        if case .int(let number) = value { return number }
        return nil
    }

    private var seededOrSystem: AnyGenerator {
        get { seeded.map(AnyGenerator.seeded) ?? .system }
        set { if case .seeded(let generator) = newValue { seeded = generator } }
    }

    /// Kernel's `rand(...)` and `srand`.
    static func kernel(_ name: String, _ args: [Value], interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if name == "srand" { return .int(0) }
        var generator = AnyGenerator.system
        return try random(args.first, using: &generator, interpreter: interpreter, at: location)
    }

    /// `rand()` a Float in [0, 1); `rand(n)` an Integer in 0..<n; `rand(range)` one of the range.
    static func random(_ limit: Value?, using generator: inout AnyGenerator, interpreter: Interpreter, at location: SourceLocation) throws
        -> Value
    {
        switch limit {
        case nil, .null?: return .float(Double.random(in: 0..<1, using: &generator))
        case .int(let n)?:
            if n == 0 { return .float(Double.random(in: 0..<1, using: &generator)) }
            return .int(Int.random(in: 0..<(n == Int.min ? Int.max : abs(n)), using: &generator))
        case .float(let x)? where x.isFinite && x != 0: return .float(Double.random(in: 0..<abs(x), using: &generator))
        case .range(let low?, let high?, let exclusive)?:
            let (upper, overflow) = exclusive ? high.subtractingReportingOverflow(1) : (high, false)
            guard !overflow, low <= upper else { return .null }
            return .int(Int.random(in: low...upper, using: &generator))
        default:
            throw interpreter.error("invalid argument - \((limit ?? .null).inspect)", at: location, className: "ArgumentError")
        }
    }
}

/// A generator that is either the system's or a seeded one.
enum AnyGenerator: RandomNumberGenerator {
    case system
    case seeded(SeededGenerator)

    mutating func next() -> UInt64 {
        switch self {
        case .system:
            var system = SystemRandomNumberGenerator()
            return system.next()
        case .seeded(var generator):
            let value = generator.next()
            self = .seeded(generator)
            return value
        }
    }
}

/// SplitMix64: small, and the same numbers for the same seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `$stdout`/`STDOUT` and `$stderr`/`STDERR`: what a Vagrantfile writes to them is printed as
/// `puts` and `warn` are.
final class StandardStream: RubyObject {
    unowned let host: VagrantHost
    let isError: Bool

    init(host: VagrantHost, isError: Bool) {
        self.host = host
        self.isError = isError
    }

    var typeName: String { "IO" }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch name {
        case "puts", "print", "p":
            host.emit(try Kernel.printed(name, arguments.positional, interpreter: interpreter, at: location), toError: isError)
            return .null
        case "write", "<<":
            let text = try arguments.positional.map { try interpreter.stringify($0, at: location) }.joined()
            host.emit(text, toError: isError)
            return name == "<<" ? .object(self) : .int(text.utf8.count)
        case "printf":
            guard case .string(let template)? = arguments.positional.first else { return .null }
            host.emit(
                try Format.format(template, Array(arguments.positional.dropFirst()), interpreter: interpreter, at: location),
                toError: isError)
            return .null
        case "flush", "sync", "sync=", "fsync": return .object(self)
        case "tty?", "isatty": return .bool(isatty(isError ? STDERR_FILENO : STDOUT_FILENO) == 1)
        case "fileno": return .int(isError ? 2 : 1)
        default:
            throw interpreter.error("undefined method '\(name)' for an instance of IO", at: location, className: "NoMethodError")
        }
    }
}
