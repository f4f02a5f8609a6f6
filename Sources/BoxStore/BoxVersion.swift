import Foundation

/// A box version compared the way Vagrant compares them (RubyGems' `Gem::Version`): numeric
/// segments numerically, letters mark a pre-release (`1.0.a` < `1.0`), trailing zeros do not count.
public struct BoxVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    enum Segment: Hashable, Sendable {
        case number(Int)
        case text(String)
    }

    public let description: String
    /// Segments as written; `~>` bumps these (`~> 1.2.0` means < 1.3).
    let writtenSegments: [Segment]
    /// Segments without trailing zeros; equality and order use these.
    let segments: [Segment]

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty,
            trimmed.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }),
            trimmed.first?.isNumber == true
        else { return nil }
        description = trimmed
        var parsed: [Segment] = []
        var current = ""
        func flush() {
            guard !current.isEmpty else { return }
            if let number = Int(current) { parsed.append(.number(number)) } else { parsed.append(.text(current.lowercased())) }
            current = ""
        }
        for character in trimmed {
            if character == "." || character == "-" {
                flush()
            } else if let last = current.last, last.isNumber != character.isNumber {
                flush()
                current.append(character)
            } else {
                current.append(character)
            }
        }
        flush()
        writtenSegments = parsed
        // Gem::Version drops trailing zeros: 1.0.0 == 1.
        while case .number(0)? = parsed.last, parsed.count > 1 { parsed.removeLast() }
        segments = parsed
    }

    public var isPrerelease: Bool {
        segments.contains { if case .text = $0 { return true } else { return false } }
    }

    public static func == (lhs: BoxVersion, rhs: BoxVersion) -> Bool { lhs.segments == rhs.segments }
    public func hash(into hasher: inout Hasher) { hasher.combine(segments) }

    public static func < (lhs: BoxVersion, rhs: BoxVersion) -> Bool {
        let count = max(lhs.segments.count, rhs.segments.count)
        for index in 0..<count {
            let left = index < lhs.segments.count ? lhs.segments[index] : .number(0)
            let right = index < rhs.segments.count ? rhs.segments[index] : .number(0)
            switch (left, right) {
            case (.number(let a), .number(let b)) where a != b: return a < b
            case (.text(let a), .text(let b)) where a != b: return a < b
            case (.text, .number): return true  // pre-release sorts before release
            case (.number, .text): return false
            default: continue
            }
        }
        return false
    }

    /// Orders version strings as Vagrant does; strings that are not versions sort after, by text.
    public static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        switch (BoxVersion(lhs), BoxVersion(rhs)) {
        case (let left?, let right?) where left != right: return left < right
        case (nil, _?): return false
        case (_?, nil): return true
        default: return lhs < rhs
        }
    }

    /// The upper bound of `~> self`: `1.2.3` → `1.3`, `1.2` → `2`.
    var pessimisticUpperBound: BoxVersion? {
        let numbers = writtenSegments.prefix { if case .number = $0 { return true } else { return false } }
            .compactMap { segment -> Int? in if case .number(let n) = segment { return n } else { return nil } }
        var bumped = Array(numbers.dropLast(numbers.count > 1 ? 1 : 0))
        guard let last = bumped.popLast() else { return nil }
        bumped.append(last + 1)
        return BoxVersion(bumped.map(String.init).joined(separator: "."))
    }
}

/// A version constraint as Vagrant takes it (`--box-version`, `config.vm.box_version`):
/// comma-separated `=`, `!=`, `>`, `<`, `>=`, `<=`, `~>` clauses, all of which must hold.
public struct VersionRequirement: Sendable, Equatable, CustomStringConvertible {
    enum Operator: String, Sendable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case greater = ">"
        case less = "<"
        case greaterOrEqual = ">="
        case lessOrEqual = "<="
        case pessimistic = "~>"
    }

    struct Clause: Sendable, Equatable {
        let op: Operator
        let version: BoxVersion
    }

    let clauses: [Clause]
    public let description: String

    /// Parses a constraint; nil when any clause is malformed.
    public init?(_ text: String) {
        var parsed: [Clause] = []
        for part in text.split(separator: ",") {
            var clause = part.trimmingCharacters(in: .whitespaces)
            var op = Operator.equal
            // Longest operators first so ">=" is not read as ">".
            for candidate in Operator.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count })
            where clause.hasPrefix(candidate.rawValue) {
                op = candidate
                clause = String(clause.dropFirst(candidate.rawValue.count)).trimmingCharacters(in: .whitespaces)
                break
            }
            guard let version = BoxVersion(clause) else { return nil }
            parsed.append(Clause(op: op, version: version))
        }
        guard !parsed.isEmpty else { return nil }
        clauses = parsed
        description = text
    }

    public func isSatisfied(by version: BoxVersion) -> Bool {
        clauses.allSatisfy { clause in
            switch clause.op {
            case .equal: return version == clause.version
            case .notEqual: return version != clause.version
            case .greater: return version > clause.version
            case .less: return version < clause.version
            case .greaterOrEqual: return version >= clause.version
            case .lessOrEqual: return version <= clause.version
            case .pessimistic:
                guard version >= clause.version else { return false }
                guard let upper = clause.version.pessimisticUpperBound else { return true }
                return version < upper
            }
        }
    }
}
