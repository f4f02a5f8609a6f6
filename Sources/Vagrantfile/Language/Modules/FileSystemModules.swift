import BoxerSupport
import Foundation
import Yams

/// `ENV["X"]`, `ENV.fetch`, `ENV.key?`, `ENV["X"] = ...`: assignments are seen by the rest of the
/// program and by the commands it runs, never by boxer's own process.
final class EnvironmentObject: RubyObject {
    let environment: [String: String]
    /// The environment with the program's assignments and deletions.
    private(set) var merged: [String: String]
    init(environment: [String: String]) {
        self.environment = environment
        self.merged = environment
    }
    var typeName: String { "Object" }

    func value(_ key: String) -> String? { merged[key] }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let key = arguments.positional.first?.text ?? ""
        switch method {
        case "[]": return value(key).map { .string($0) } ?? .null
        case "fetch":
            if let found = value(key) { return .string(found) }
            if arguments.positional.count > 1 { return arguments.positional[1] }
            if let block = arguments.block { return try interpreter.callClosure(block, [.string(key)], at: location) }
            throw interpreter.error("key not found: \"\(key)\"", at: location, className: "KeyError")
        case "key?", "has_key?", "include?", "member?": return .bool(value(key) != nil)
        case "[]=", "store":
            let assigned = arguments.positional.count > 1 ? arguments.positional[1] : .null
            if case .null = assigned { merged[key] = nil } else { merged[key] = assigned.text }
            return assigned
        case "to_h", "to_hash":
            return .hash(HashBox(merged.sorted { $0.key < $1.key }.map { (.string($0.key), .string($0.value)) }))
        case "keys": return .array(merged.keys.sorted().map { .string($0) })
        case "delete":
            let old = merged.removeValue(forKey: key)
            return old.map { .string($0) } ?? .null
        default:
            // select, each, map, any?, ...: ENV answers them as the Hash of its variables does.
            let hash = Value.hash(HashBox(merged.sorted { $0.key < $1.key }.map { (.string($0.key), .string($0.value)) }))
            return try Builtins.call(hash, method, arguments, interpreter: interpreter, at: location)
        }
    }
}

/// `File.join`, `dirname`, `basename`, `extname`, `expand_path`, `exist?`, `file?`, `directory?`, `read`, `readlines`.
final class FileModule: RubyObject {
    var typeName: String { "Class" }

    /// Files a Vagrantfile reads are settings: regular files of at most 16 MiB (never /dev/zero).
    static let readLimit = 16 << 20

    static func readText(_ name: String, interpreter: Interpreter, at location: SourceLocation) throws -> String {
        do {
            return try HostFiles.readText(at: resolve(name, interpreter: interpreter), limit: readLimit)
        } catch .missing {
            throw interpreter.error("No such file or directory @ rb_sysopen - \(name)", at: location, className: "Errno::ENOENT")
        } catch .notRegularFile {
            throw interpreter.error("\(name) is not a regular file", at: location, className: "Errno::EINVAL")
        } catch .tooLarge {
            throw interpreter.error("\(name) is larger than \(readLimit >> 20) MiB", at: location, className: "IOError")
        } catch .notUTF8 {
            throw interpreter.error("\(name) is not UTF-8 text", at: location, className: "IOError")
        } catch {
            throw interpreter.error("\(name): \(error.explanation)", at: location, className: "IOError")
        }
    }

    /// Ruby's lines of a text: each keeps its "\n"; the last one has none if the text does not end with one.
    static func lines(of text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) + "\n" }
        if let last = lines.last {
            lines.removeLast()
            if last != "\n" { lines.append(String(last.dropLast())) }
        }
        return lines
    }

    static func resolve(_ path: String, interpreter: Interpreter) -> String {
        var expanded = path
        if expanded.hasPrefix("~") { expanded = (interpreter.environment["HOME"] ?? NSHomeDirectory()) + expanded.dropFirst() }
        if !expanded.hasPrefix("/") { expanded = interpreter.directory + "/" + expanded }
        return (expanded as NSString).standardizingPath
    }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let args = arguments.positional.map(\.text)
        let first = args.first ?? ""
        switch method {
        case "join":
            let joined = args.filter { !$0.isEmpty }.enumerated().map { $0.offset == 0 ? $0.element : $0.element.trimming("/") }.joined(
                separator: "/")
            var collapsed = ""
            for character in joined where !(character == "/" && collapsed.last == "/") { collapsed.append(character) }
            return .string(collapsed)
        case "dirname":
            return .string((first as NSString).deletingLastPathComponent.isEmpty ? "." : (first as NSString).deletingLastPathComponent)
        case "basename":
            var base = (first as NSString).lastPathComponent
            if args.count > 1 {
                let suffix = args[1]
                if suffix == ".*" {
                    base = (base as NSString).deletingPathExtension
                } else if base.hasSuffix(suffix) {
                    base = String(base.dropLast(suffix.count))
                }
            }
            return .string(base)
        case "extname":
            let ext = (first as NSString).pathExtension
            return .string(ext.isEmpty ? "" : "." + ext)
        case "expand_path", "absolute_path", "realpath":
            if args.count > 1 {
                let base = Self.resolve(args[1], interpreter: interpreter)
                return .string(
                    first.hasPrefix("/") || first.hasPrefix("~")
                        ? Self.resolve(first, interpreter: interpreter) : ((base + "/" + first) as NSString).standardizingPath)
            }
            return .string(Self.resolve(first, interpreter: interpreter))
        case "exist?", "exists?":
            return .bool(HostFiles.exists(Self.resolve(first, interpreter: interpreter)))
        case "file?", "readable?":
            let kind = HostFiles.kind(of: Self.resolve(first, interpreter: interpreter))
            return .bool(kind != nil && kind != .directory)
        case "directory?":
            return .bool(HostFiles.kind(of: Self.resolve(first, interpreter: interpreter)) == .directory)
        case "read", "readlines", "foreach":
            let text = try Self.readText(first, interpreter: interpreter, at: location)
            if method == "read" { return .string(text) }
            return .array(Self.lines(of: text).map(Value.string))
        case "write", "open", "new", "delete", "chmod", "rename", "symlink", "unlink":
            return try FileWrites.file(method, arguments, interpreter: interpreter, at: location) ?? .null
        case "separator", "SEPARATOR": return .string("/")
        default: throw interpreter.error("undefined method '\(method)' for File", at: location, className: "NoMethodError")
        }
    }
}

/// `Dir.pwd`, `Dir.exist?`, `Dir.glob`/`Dir[]` (read-only).
final class DirModule: RubyObject {
    var typeName: String { "Class" }
    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        let first = arguments.positional.first?.text ?? ""
        switch method {
        case "pwd", "getwd": return .string(interpreter.directory)
        case "exist?", "exists?":
            return .bool(HostFiles.kind(of: FileModule.resolve(first, interpreter: interpreter)) == .directory)
        case "home": return .string(interpreter.environment["HOME"] ?? NSHomeDirectory())
        case "glob", "[]":
            let pattern = FileModule.resolve(first, interpreter: interpreter)
            let folder = (pattern as NSString).deletingLastPathComponent
            let filePattern = (pattern as NSString).lastPathComponent
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            let matched = names.filter { fnmatch(filePattern, $0, 0) == 0 }.sorted().map { Value.string(folder + "/" + $0) }
            return .array(matched)
        default:
            throw VagrantfileError.unsupportedDirMethod(method, at: location)
        }
    }
}
