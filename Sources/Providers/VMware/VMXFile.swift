import Foundation
import Machines

/// A VMware `.vmx` file: `key = "value"` lines, keys compared without case (as VMware reads
/// them), order and comments kept so that an edited file still reads like the original.
public struct VMXFile: Sendable, Equatable {
    enum Line: Sendable, Equatable {
        case entry(key: String, value: String)
        case other(String)
    }

    var lines: [Line]

    public init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { return .other(String(raw)) }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return .entry(key: key, value: value)
        }
        if lines.last == .other("") { lines.removeLast() }
    }

    public static func read(_ path: String) throws(MachineError) -> VMXFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw MachineError.cannotRead(path) }
        return VMXFile(text: String(decoding: data, as: UTF8.self))
    }

    public subscript(key: String) -> String? {
        get {
            for case .entry(let name, let value) in lines where name.lowercased() == key.lowercased() { return value }
            return nil
        }
        set {
            let lowered = key.lowercased()
            guard let newValue else {
                lines.removeAll { if case .entry(let name, _) = $0 { name.lowercased() == lowered } else { false } }
                return
            }
            if let index = lines.firstIndex(where: { if case .entry(let name, _) = $0 { name.lowercased() == lowered } else { false } }) {
                lines[index] = .entry(key: key, value: newValue)
            } else {
                lines.append(.entry(key: key, value: newValue))
            }
        }
    }

    public var keys: [String] {
        lines.compactMap { if case .entry(let name, _) = $0 { name } else { nil } }
    }

    public var text: String {
        lines.map { line in
            switch line {
            case .entry(let key, let value): "\(key) = \"\(value)\""
            case .other(let text): text
            }
        }.joined(separator: "\n") + "\n"
    }

    public func write(to path: String) throws(MachineError) {
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)), rename(temporary, path) == 0 else {
            unlink(temporary)
            throw MachineError.cannotWrite(path)
        }
    }
}
